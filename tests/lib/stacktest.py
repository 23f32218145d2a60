# SPDX-License-Identifier: Apache-2.0
"""scripts/run-stack as a test fixture: the README's first command, started for real
(trng-sim, egdd, trng-httpd, the stunnel servers and the stunnel client, with its
throw-away PKI), and what a test needs to talk to it and attack it.

run-stack uses fixed loopback ports (7776 EGD over TLS, 8000 plain HTTP, 8443 public
HTTPS, 8444 operator HTTPS): one test at a time may run it (ctest's RESOURCE_LOCK
"run-stack" in tests/CMakeLists.txt).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import egdtest  # noqa: E402
import simtest  # noqa: E402

API = "/trng/randomNum/"
EGD_TLS, HTTP, HTTPS, OPERATOR = 7776, 8000, 8443, 8444


class Curl:
    """What curl made of one request: the HTTP status (0 if none), body, exit code."""

    def __init__(self, r):
        self.rc = r.returncode
        body, _, status = r.stdout.rpartition(b"\n")
        self.status = int(status) if status.isdigit() else 0
        self.body = body
        self.stderr = r.stderr.decode(errors="replace")

    def json(self):
        return json.loads(self.body)


class RunStack:
    """scripts/run-stack in the background. Context manager: SIGINT on exit."""

    def __init__(self, build_dir, log_path, sim_rate=4800, assess_samples=20000):
        self.build_dir = build_dir
        self.log_path = log_path
        # run-stack's default rate, which its 9600-baud line carries without loss. egdd
        # assesses the simulated device before it serves: 20,000 one-bit samples take
        # ~4 s at 4800 bit/s.
        self.env = dict(os.environ, BUILD_DIR=build_dir, SIM_RATE_BPS=str(sim_rate),
                        ASSESS_SAMPLES=str(assess_samples))
        self.proc = None
        self.run = None
        self.egd_server_pid = None
        self.banner = []  # run-stack's lines up to "Ctrl-C stops everything"

    def __enter__(self):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([os.path.join(REPO, "scripts", "run-stack")], env=self.env,
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     start_new_session=True)
        try:
            self._read_banner()
            self.wait_state("running", 30)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _read_banner(self):
        deadline = time.time() + 120  # the first run may configure and build
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.banner.append(line)
            m = re.match(r"stack: all logs and sockets in (\S+)", line)
            if m:
                self.run = m.group(1)
            m = re.search(r"kill -HUP (\d+)", line)
            if m:
                self.egd_server_pid = int(m.group(1))
            if "Ctrl-C stops everything" in line:
                break
            if time.time() > deadline:
                raise AssertionError("run-stack did not finish starting")
        if not self.run:
            raise AssertionError("run-stack exited before starting; see " + self.log_path)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def interrupt(self, timeout=20):
        """Ctrl-C as a user gives it: SIGINT to run-stack's whole process group.
        Returns (run-stack's exit status, all it wrote to stderr)."""
        os.killpg(self.proc.pid, signal.SIGINT)
        rc = self.proc.wait(timeout=timeout)
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return rc, f.read()

    # --- paths and processes ---
    def path(self, *parts):
        return os.path.join(self.run, *parts)

    @property
    def pki(self):
        return self.path("pki")

    def leaf(self, kind, name):
        """(certificate, key) paths of an egd-pki leaf: kind clients, operators or hosts."""
        return self.path("pki", kind, name + ".crt"), self.path("pki", kind, name + ".key")

    def cert(self, kind, name):
        crt, key = self.leaf(kind, name)
        return ["--cert", crt, "--key", key]

    def pid_of(self, pattern):
        """Pids of the stack's processes whose command line matches `pattern`."""
        out = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if self.run in cmd and re.search(pattern, cmd):
                out.append(int(pid))
        return out

    def egdctl(self, *args):
        r = subprocess.run([os.path.join(self.build_dir, "egdd", "egdctl"), "--socket",
                            self.path("control.sock")] + list(args),
                           capture_output=True, text=True, timeout=10)
        return json.loads(r.stdout) if r.stdout.strip().startswith("{") else {"raw": r.stdout}

    def state(self):
        return self.egdctl("status").get("state")

    def wait_state(self, state, timeout=20):
        deadline = time.time() + timeout
        while self.state() != state:
            if time.time() > deadline:
                raise AssertionError("egdd never reached %s (now %s)" % (state, self.state()))
            time.sleep(0.1)

    def sim(self, command):
        """trng-sim's answer to `command` (stripped)."""
        return simtest.command(self.path("sim.ctl"), command)

    # --- clients ---
    def curl(self, url, *args, timeout=30):
        r = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "-w", "\n%{http_code}"]
                           + list(args) + [url], capture_output=True, timeout=timeout + 10)
        return Curl(r)

    def http(self, op, *args, **kw):
        return self.curl("http://127.0.0.1:%d%s%s" % (HTTP, API, op), *args, **kw)

    def https(self, op, *args, port=HTTPS, **kw):
        return self.curl("https://127.0.0.1:%d%s%s" % (port, API, op),
                         "--cacert", self.path("pki", "ca.crt"), *args, **kw)

    def operator(self, op, *args, **kw):
        return self.https(op, *self.cert("operators", "admin"), *args, port=OPERATOR, **kw)

    def egd(self, path=None, timeout=10):
        """A unix socket connection to egdd (default) or another EGD socket of the stack."""
        return egdtest.unix_socket(path or self.path("egd.sock"), timeout)
