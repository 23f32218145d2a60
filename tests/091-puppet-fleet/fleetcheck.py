# SPDX-License-Identifier: Apache-2.0
"""What the fleet test's checks share: reporting (check, require, the failure list),
the built binaries, waiting, the probes (probe.py run in a node's namespace),
egdctl on the host, the shim's records of a client, and stunnel's log lines.
"""
import json
import os
import re
import subprocess
import sys
import time

import fleet

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import egdtest  # noqa: E402
import rndshim  # noqa: E402

BUILD = os.path.join(fleet.ROOT, "build")
BIN = {   # absolute: Puppet's start commands run them from wherever
    var: os.path.abspath(os.environ.get(var, BUILD + default)) for var, default in (
        ("EGDD", "/egdd/egdd"), ("EGDCTL", "/egdd/egdctl"), ("TRNG_SIM", "/firmware/trng-sim"),
        ("TRNG_HTTPD", "/httpd/trng-httpd"), ("EGD_FEED", "/feed/egd-feed"))
}
PROBE = [sys.executable, os.path.join(HERE, "probe.py")]
CLIENT_ADDR = {"c1": 11, "c2": 12, "rogue": 13}
checklist = egdtest.Checklist()
check, failures = checklist.check, checklist.failures


class Abort(Exception):
    """A failure the remaining checks cannot go on from."""


def require(cond, what):
    if not check(cond, what):
        raise Abort(what.splitlines()[0])


def address(role):
    return "%s.%d" % (fleet.SUBNET, CLIENT_ADDR[role])


def wait_until(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    return pred()


def probe(node, *args):
    """probe.py in node's namespace: its (last) JSON line."""
    r = node.run(PROBE + [str(a) for a in args])
    if r.returncode != 0 or not r.stdout.strip():
        raise Abort("probe %s in %s failed: %s" % (args, node.role, r.stderr))
    return json.loads(r.stdout.strip().splitlines()[-1])


class Held:
    """probe.py hold: one TLS connection read from twice, before and after next()."""

    def __init__(self, node, *args):
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", node.netns] + PROBE + ["hold"] + [str(a) for a in args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first = json.loads(self.proc.stdout.readline() or '{"error": "probe died"}')

    def next(self):
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        self.proc.wait(timeout=15)
        return json.loads(line or '{"error": "probe died"}')


def egdctl(host, *args):
    r = subprocess.run([BIN["EGDCTL"], "--socket", host.path("run/egdd/control.sock")] + list(args),
                       capture_output=True, text=True, timeout=10)
    return json.loads(r.stdout) if r.returncode == 0 else None


def state(host):
    status = egdctl(host, "status")
    return status["state"] if status else None


def records(node):
    return rndshim.read_records(node.shim_log)


def connections_from(log, addr):
    """stunnel connection numbers ("LOG6[N]: ... accepted connection from ADDR:port")."""
    return set(re.findall(r"LOG\d\[(\d+)\]: Service \[[^]]+\] accepted connection from %s:"
                          % re.escape(addr), log))


def refused_in_log(log, addr, reasons):
    """True if one connection from addr was refused with every one of reasons."""
    for n in connections_from(log, addr):
        lines = [l for l in log.splitlines() if "[%s]:" % n in l]
        if all(any(r in l for l in lines) for r in reasons):
            return True
    return False
