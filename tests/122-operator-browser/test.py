#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""122-operator-browser: the web page in Debian's chromium against run-stack's HTTPS
services. On public HTTPS (:8443) the System tab explains that control needs the
operator service and its buttons are disabled; the operator service (:8444) refuses
a browser without a client certificate at the TLS handshake; with the operator's
certificate (egd-pki operator, presented by Playwright for that origin) the System
tab shuts the device down and initialises it again, and egdd's state follows.
Reuses 051's playwright-core (tests/lib/browsertest.py: npm ci there when missing);
skipped (77) without chromium, node or npm. Screenshots: test-artifacts/122-operator-browser."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import browsertest  # noqa: E402
import egdtest  # noqa: E402
import stacktest  # noqa: E402
from egdtest import check  # noqa: E402


def main():
    browsertest.require_browser()
    out = browsertest.artifacts_dir("122-operator-browser")
    with egdtest.workdir("egdtest-122-") as wd:
        with stacktest.RunStack(egdtest.BUILD, os.path.join(wd, "run-stack.log")) as st:
            cert, key = st.leaf("operators", "admin")
            r = browsertest.run_node(os.path.join(HERE, "operator.js"),
                                     "https://127.0.0.1:%d" % stacktest.HTTPS,
                                     "https://127.0.0.1:%d" % stacktest.OPERATOR, cert, key, out)
            check(r.returncode == 0, "the browser run failed:\n%s%s" % (r.stdout, r.stderr))
            s = browsertest.summary(r)
            check("operator" in s["public_note"] and all(s["public_buttons_disabled"]),
                  "public System tab: %r" % s)
            check(re.search(r"bits credited per raw bit · assessed [0-9.]+ bits per 1-bit sample "
                            r"by \S+ \S+ from 20,000 samples", s.get("entropy", "")),
                  "the page's entropy line: %r" % s.get("entropy"))
            check(s["no_certificate"] != "loaded" and "ERR_" in s["no_certificate"],
                  "the operator service served a browser without a certificate: %r" % s)
            check(s["operator_note_hidden"] and "shutdown" in s["shutdown"] and
                  "initialised" in s["init"], "the operator's System tab: %r" % s)
            check(st.state() == "running", "egdd is %s after the operator's init" % st.state())
            log = open(st.path("stunnel-https-operator.log")).read()
            check("CN=admin" in log, "stunnel did not see the operator certificate")
            print("public note: %s" % s["public_note"])
            print("entropy: %s" % s["entropy"])
            print("no certificate: %s" % s["no_certificate"])
            print("operator: %s; %s" % (s["shutdown"], s["init"]))
    print("PASS")


if __name__ == "__main__":
    main()
