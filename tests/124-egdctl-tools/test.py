#!/usr/bin/env python3
"""124-egdctl-tools: egdctl tells the truth (issue 15), against a real egdd.

init and restart wait until the device is running or its start failed, and say
which (exit 0 running; 1 failed, with the alarm; 3 still starting at --timeout);
--no-wait answers at once; restart from standby starts the device (the manual
lists only 200 and 555 for restart). `egdctl capture N FILE` writes exactly the
N tested bytes egdd serves (a `file` source serves its file in order, so the
capture is the file's prefix), 0600, with a plain progress line each tenth on a
pipe; it refuses N = 0, an existing FILE (without --force) and a socket nobody
listens on, creating nothing; Ctrl-C leaves the partial file and names it."""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import GRAIN  # noqa: E402


def run(egd, *args, timeout=30):
    return subprocess.run([egdtest.EGDCTL, "--socket", egd.control] + list(args),
                          capture_output=True, text=True, timeout=timeout)


class FileSourceCase(unittest.TestCase):
    """A capture file larger than the pool: a restart finds bytes left to test, and a
    capture spans several refills of the pool."""
    SIZE = 256 * 1024

    def setUp(self):
        self.dir = self.enterContext(egdtest.workdir(prefix="egdtest-124-"))
        self.path = os.path.join(self.dir, "random.bin")
        self.data = egdtest.write_random_file(self.path, self.SIZE)
        self.egd = self.enterContext(egdtest.Egdd(
            self.dir, source={"kind": "file", "path": self.path, "autostart": False},
            extra="[pool]\nsize_bytes = 32768\n"))

    def out(self, name):
        return os.path.join(self.dir, name)


class WaitTest(FileSourceCase):
    def test_init_waits_until_running_and_says_so(self):
        r = run(self.egd, "init")
        self.assertEqual(r.returncode, 0, r.stderr)
        reply = json.loads(r.stdout)
        self.assertEqual((reply["ok"], reply["state"]), (True, "running"), reply)
        self.assertIn("the device is running", reply["message"])
        self.assertEqual(self.egd.status()["state"], "running")  # not merely accepted
        r = run(self.egd, "init")
        self.assertEqual((r.returncode, json.loads(r.stdout)["error"]), (1, "already_initialized"))

    def test_restart_from_standby_starts_the_device(self):
        self.assertEqual(self.egd.status()["state"], "standby")
        r = run(self.egd, "restart")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        reply = json.loads(r.stdout)
        self.assertEqual(reply["state"], "running")
        self.assertTrue(reply["message"].startswith("System was in standby; initialised it"),
                        reply)
        r = run(self.egd, "restart")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(json.loads(r.stdout)["message"].startswith(
            "System successfully restarted; the device is running"))

    def test_usage_errors_change_nothing(self):
        for args, text in ((["status", "--no-wait"], "apply to init and restart only"),
                           (["init", "--timeout", "soon"], "--timeout 'soon'"),
                           (["init", "--egd", "unix:/x"], "apply to capture only")):
            r = run(self.egd, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(text, r.stderr)
            self.assertIn("usage:", r.stderr)
        self.assertEqual(self.egd.status()["state"], "standby")


class FailingStartTest(unittest.TestCase):
    def test_init_on_a_stuck_source_reports_failed(self):
        with egdtest.workdir(prefix="egdtest-124-") as d:
            path = os.path.join(d, "stuck.bin")
            with open(path, "wb") as f:
                f.write(bytes(64 * 1024))
            with egdtest.Egdd(d, source={"kind": "file", "path": path, "autostart": False},
                              extra='[health]\non_alarm = "stop"\n') as egd:
                r = run(egd, "init")
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                reply = json.loads(r.stdout)
                self.assertEqual((reply["ok"], reply["error"], reply["state"]),
                                 (False, "startup_failed", "failed"), reply)
                self.assertIn("repetition_count", reply["message"])
                self.assertEqual(egd.status()["state"], "failed")


class StalledSourceTest(unittest.TestCase):
    """An hwrng FIFO the test feeds: nothing written, nothing to test."""

    def setUp(self):
        self.dir = self.enterContext(egdtest.workdir(prefix="egdtest-124-"))
        self.fifo = egdtest.Fifo(os.path.join(self.dir, "device"))
        self.addCleanup(self.fifo.close)
        self.egd = self.enterContext(egdtest.Egdd(
            self.dir, source={"kind": "hwrng", "path": self.fifo.path, "autostart": False}))

    def test_no_wait_returns_at_once_and_timeout_says_still_starting(self):
        t0 = time.monotonic()
        r = run(self.egd, "init", "--no-wait")
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["state"], "initializing")
        r = run(self.egd, "restart", "--timeout", "0.5")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        reply = json.loads(r.stdout)
        self.assertEqual((reply["ok"], reply["error"], reply["state"]),
                         (False, "timeout", "initializing"), reply)
        self.assertGreaterEqual(reply["waited_s"], 0.5)
        self.assertIn("Still initializing after", reply["message"])
        self.assertIn("the startup test is running", reply["message"])
        self.fifo.feed(2 * GRAIN)  # the device starts after all: the wait was honest
        egdtest.wait_for(lambda: self.egd.status()["state"] == "running", "running", 10)

    def test_ctrl_c_leaves_the_partial_capture(self):
        run(self.egd, "init", "--no-wait")
        fed = self.fifo.feed(2 * GRAIN)
        egdtest.wait_for(lambda: self.egd.status()["state"] == "running", "running", 10)
        out = os.path.join(self.dir, "partial.bin")
        p = subprocess.Popen([egdtest.EGDCTL, "--socket", self.egd.control, "capture",
                              str(10 * GRAIN), out], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            egdtest.wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > GRAIN,
                             "bytes in the partial capture", 10)
            p.send_signal(signal.SIGINT)
            stdout, stderr = p.communicate(timeout=10)
        finally:
            p.kill()
        self.assertEqual(p.returncode, 130, stderr)
        self.assertIn("the partial capture is in " + out, stderr)
        with open(out, "rb") as f:
            partial = f.read()
        self.assertGreater(len(partial), GRAIN)
        self.assertLess(len(partial), 10 * GRAIN)
        self.assertEqual(partial, fed[:len(partial)])
        self.assertIn("after %s of" % format(len(partial), ","), stderr)


class AssessingTest(unittest.TestCase):
    def test_a_timeout_while_egdd_assesses_says_so(self):
        with egdtest.workdir(prefix="egdtest-124-") as d:
            fifo = egdtest.Fifo(os.path.join(d, "device"))
            self.addCleanup(fifo.close)
            with egdtest.Egdd(d, source={"kind": "hwrng", "path": fifo.path, "autostart": False},
                              assess=True) as egd:
                fifo.feed(1000)
                r = run(egd, "init", "--timeout", "1")
                self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
                reply = json.loads(r.stdout)
                self.assertEqual((reply["error"], reply["state"]), ("timeout", "initializing"))
                self.assertIn("egdd is assessing the device's entropy", reply["message"])
                self.assertIn("1,000 of", reply["message"])
                self.assertIn("wait longer with --timeout", reply["message"])


class CaptureTest(FileSourceCase):
    N = 100000

    def setUp(self):
        super().setUp()
        self.egd.ctl("init")

    def test_capture_is_the_tested_bytes_in_order(self):
        out = self.out("cap.bin")
        r = run(self.egd, "capture", str(self.N), out)  # default socket: from stats
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            got = f.read()
        self.assertEqual(len(got), self.N)
        self.assertEqual(got, self.data[:self.N])
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        self.assertIn("from unix:" + self.egd.unix_path, r.stderr)
        self.assertRegex(r.stdout, r"captured 100,000 of 100,000 bytes in .*B/s \(.*bit/s\) "
                                   r"into " + re.escape(out))
        # A pipe gets plain lines, one per tenth at most, rising, never 100 %.
        percents = [int(m) for m in re.findall(r"^egdctl: capture: (\d+)% \(", r.stderr, re.M)]
        self.assertTrue(percents and percents == sorted(set(percents)) and percents[-1] < 100,
                        r.stderr)
        self.assertNotIn("\r", r.stderr)
        print("\n" + r.stderr + r.stdout, end="")

        # Over TCP, with --force on an existing file: the next bytes of the source.
        r = run(self.egd, "capture", "1000", out, "--force",
                "--egd", "127.0.0.1:%d" % self.egd.port)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.data[self.N:self.N + 1000])
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)

    def test_refusals_create_and_change_nothing(self):
        existing = self.out("existing.bin")
        with open(existing, "wb") as f:
            f.write(b"keep me")
        served = self.egd.status()["bytes_served"]
        cases = [
            (["capture", "10", existing], "exists; use --force"),
            (["capture", "0", self.out("a")], "N must be at least 1 byte"),
            (["capture", "2000000000", self.out("a")], "more than the limit"),
            (["capture", "10", self.out("a"), "--egd", "unix:" + self.out("nobody.sock")],
             "cannot connect to unix:" + self.out("nobody.sock")),
            (["capture", "10", self.out("a"), "--egd", "example.org:7776"],
             "host names are not resolved"),
        ]
        for args, text in cases:
            r = run(self.egd, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(text, r.stderr)
        self.assertFalse(os.path.exists(self.out("a")))
        with open(existing, "rb") as f:
            self.assertEqual(f.read(), b"keep me")
        self.assertEqual(self.egd.status()["bytes_served"], served)


if __name__ == "__main__":
    unittest.main(verbosity=2)
