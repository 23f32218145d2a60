# SPDX-License-Identifier: Apache-2.0
"""HTTPS in front of trng-httpd (test 060), with real curl: the public service
(https-server.conf.in, :8443 in production, server-only TLS) reaches trng-httpd's
public proxy:unix listener, where getRandom works and control answers 403; the
operator service (https-operator.conf.in, :8444, mutual TLS) reaches the operator
listener and lets only an allowed, unrevoked operator certificate through."""
import os
import shutil
import subprocess

import httpdtest
import stunneltest as st
from stunneltest import egdtest, fail

API = "/trng/randomNum/"


def httpd_has_roles():
    """True if this trng-httpd takes [http] public_listen and proxy:unix listeners."""
    with egdtest.workdir("egdtest-rolecheck-") as wd:
        for d in ("public", "operator"):
            os.mkdir(os.path.join(wd, d), 0o750)
        r = egdtest.check_config(
            httpdtest.TRNG_HTTPD, os.path.join(wd, "check.toml"),
            '[http]\nlisten = ["127.0.0.1:%d", "proxy:unix:%s/operator/http.sock"]\n'
            'public_listen = ["proxy:unix:%s/public/http.sock"]\n'
            '[egdd]\negd = "unix:%s/egd.sock"\ncontrol = "%s/c.sock"\n'
            '[files]\ndir = "%s/files"\n' % (egdtest.free_port(), wd, wd, wd, wd, wd))
        return r.returncode == 0


def curl(port, path, ca, cert=None):
    """GET https://127.0.0.1:port/path with curl: (curl's exit code, HTTP status, body)."""
    cmd = ["curl", "-sS", "--max-time", "10", "--cacert", ca, "-o", "-", "-w", "\n%{http_code}",
           "https://127.0.0.1:%d%s" % (port, path)]
    if cert:
        cmd += ["--cert", cert[0], "--key", cert[1]]
    r = subprocess.run(cmd, capture_output=True, text=True)
    body, _, code = r.stdout.rpartition("\n")
    return r.returncode, int(code or 0), body + r.stderr


class Front:
    """egdd (os source: an operator's init needs fresh bytes for its startup test) <-
    trng-httpd with an operator and a public proxy:unix listener <- the public and the
    operator stunnel services, each with its own certificate."""

    def __init__(self, wd, pki, stack):
        path = os.path.join(wd, "https")
        os.makedirs(path)
        self.egdd = stack.enter_context(st.egdtest.Egdd(path, {"kind": "os"}, wait_bytes=4096))
        egdd = self.egdd
        sockets = {}
        for role in ("public", "operator"):
            os.makedirs(os.path.join(path, role), mode=0o750)
            sockets[role] = os.path.join(path, role, "http.sock")
        port = egdtest.free_port()
        self.httpd = httpdtest.TrngHttpd(path, egdd, unix_egd=True, settings={"http": {
            "listen": ["127.0.0.1:%d" % port, "proxy:unix:" + sockets["operator"]],
            "public_listen": ["proxy:unix:" + sockets["public"]]}})
        self.httpd.port = port   # the loopback listener, which its start() waits for
        stack.enter_context(self.httpd)
        www, ops = (pki.host(name, "IP:127.0.0.1") for name in ("www-entropy1", "ops-entropy1"))
        self.public_port, self.operator_port = egdtest.free_port(), egdtest.free_port()
        self.public = stack.enter_context(st.Stunnel(
            path, "https-public", "https-server.conf.in", self.public_port,
            ACCEPT="127.0.0.1:%d" % self.public_port, CONNECT=sockets["public"],
            CERT=www[0], KEY=www[1]))
        self.operator = stack.enter_context(st.Stunnel(
            path, "https-operator", "https-operator.conf.in", self.operator_port,
            ACCEPT="127.0.0.1:%d" % self.operator_port, CONNECT=sockets["operator"],
            CERT=ops[0], KEY=ops[1], CAFILE=pki.ca, CRLFILE=pki.crl,
            ALLOWED_OPERATORS="alice,bob"))


def check_public(front, egdd, pki):
    code, status, body = curl(front.public_port, API + "getRandom?numBits=24&quantity=3", pki.ca)
    if code != 0 or status != 200:
        fail("public getRandom over HTTPS: curl exit %d, HTTP %d: %s" % (code, status, body[:300]))
    for action in ("shutdown", "init", "restart"):
        code, status, body = curl(front.public_port, API + action, pki.ca)
        if status != 403:
            fail("public HTTPS %s: HTTP %d (curl %d), expected 403: %s" % (action, status, code, body[:200]))
    if egdd.status()["state"] != "running":
        fail("egdd is %s after control requests on the public service" % egdd.status()["state"])
    print("https public: getRandom 200 through stunnel (server-only TLS, PROXY header) -> "
          "trng-httpd's public listener; shutdown/init/restart 403, egdd still running")


def check_operator(front, egdd, pki):
    hv1 = pki.leaf("clients", "hv1")
    alice, bob = pki.operator("alice"), pki.operator("bob")
    cases = [("no client certificate", None, "peer did not return a certificate"),
             ("an EGD client's certificate (hv1)", hv1, "Rejected by CERT at depth=0: CN=hv1")]
    for what, cert, reason in cases:
        mark = len(front.operator.log_text())
        code, status, body = curl(front.operator_port, API + "shutdown", pki.ca, cert)
        if code == 0 or status != 0:
            fail("operator service, %s: curl exit %d, HTTP %d, expected a TLS refusal" % (what, code, status))
        egdtest.wait_for(lambda: reason in front.operator.log_text()[mark:],
                         "operator stunnel to log %r" % reason)
        if egdd.status()["state"] != "running":
            fail("egdd left running after a refused operator request (%s)" % what)
        print("https operator: %s refused by TLS (curl exit %d; stunnel: %s); egdd still running"
              % (what, code, reason))
    operate(front, egdd, pki, alice)
    bob = keep_copy(bob, os.path.join(os.path.dirname(front.operator.conf), "bob"))
    pki.revoke("operator", "bob")   # moves the CA's copy of bob's files aside
    front.operator.reload()
    mark = len(front.operator.log_text())
    code, status, _ = curl(front.operator_port, API + "shutdown", pki.ca, bob)
    if code == 0 or "certificate revoked" not in front.operator.log_text()[mark:]:
        fail("revoked operator bob: curl exit %d, HTTP %d, no 'certificate revoked' in the log"
             % (code, status))
    print("https operator: bob revoked + SIGHUP: refused (certificate revoked)")


def keep_copy(cert, prefix):
    """bob's own copy of his certificate and key (egd-pki revoke moves the CA's copy)."""
    out = (prefix + ".crt", prefix + ".key")
    for src, dst in zip(cert, out):
        shutil.copyfile(src, dst)
    return out


def operate(front, egdd, pki, cert):
    """An allowed operator shuts the device down and starts it again."""
    for action, state in (("shutdown", "standby"), ("init", "running")):
        code, status, body = curl(front.operator_port, API + action, pki.ca, cert)
        if status != 200:
            fail("operator %s: curl exit %d, HTTP %d: %s" % (action, code, status, body[:300]))
        egdtest.wait_for(lambda: egdd.status()["state"] == state, "egdd %s" % state, timeout=10)
    print("https operator: alice's certificate: shutdown -> standby, init -> running (200 each)")


def check_https(wd, pki, stack):
    if not os.path.exists(httpdtest.TRNG_HTTPD):
        print("SKIP https: %s not built" % httpdtest.TRNG_HTTPD)
        return
    if not httpd_has_roles():
        print("SKIP https: this trng-httpd has no [http] public_listen / proxy:unix roles yet")
        return
    front = Front(wd, pki, stack)
    check_public(front, front.egdd, pki)
    check_operator(front, front.egdd, pki)
