#!/usr/bin/env python3
"""egdctl and the control socket: status/stats fields, the device state machine
(init, shutdown, restart and their refusals; init waits for the outcome), exit codes, socket permissions; and
what `stats` reports of egdd's memory hardening, checked against the kernel's view:
egdd is not dumpable (its /proc files belong to root although it runs as nobody),
has no core size, and every locked mapping it holds is also excluded from core
dumps (VmFlags "dd"), the pool among them."""
import json
import os
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from faulttest import under_sanitizer  # noqa: E402


def reply(result):
    return json.loads(result.stdout)


class ControlTest(unittest.TestCase):
    def setUp(self):
        self.dir = self.enterContext(egdtest.workdir())
        self.data = os.path.join(self.dir, "random.bin")
        egdtest.write_random_file(self.data, 64 * 1024)
        self.egdd = self.enterContext(egdtest.Egdd(
            self.dir, source={"kind": "file", "path": self.data, "autostart": False}))

    def test_status_fields_in_standby(self):
        s = self.egdd.status()
        for key in ("state", "source_kind", "source_is_trng", "pool_bytes", "pool_capacity",
                    "entropy_bits", "bytes_received", "bytes_served", "clients", "alarms"):
            self.assertIn(key, s)
        self.assertEqual(s["state"], "standby")
        self.assertEqual(s["pool_bytes"], 0)
        self.assertEqual(s["source_kind"], "file")

    def test_state_machine_and_exit_codes(self):
        r = self.egdd.ctl("shutdown", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(reply(r)["error"], "already_shut_down")
        # (restart from standby starts the device, as init does: tests/124-egdctl-tools)

        r = self.egdd.ctl("init")
        self.assertEqual((reply(r)["ok"], reply(r)["state"]), (True, "running"))  # it waited
        self.egdd.wait_pool(60000)
        self.assertEqual(self.egdd.status()["state"], "running")
        r = self.egdd.ctl("init", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(reply(r)["error"], "already_initialized")

        with self.egdd.connect() as c:
            first = egdtest.egd_read_blocking(c, 100)
            # --no-wait: the 64 KiB capture may be used up (read whole into the pool), and
            # then the restarted device never gets through its startup test.
            r = self.egdd.ctl("restart", "--no-wait")
            self.assertTrue(reply(r)["ok"])
            self.assertIn(self.egdd.status()["state"], ("initializing", "running"))
            second = egdtest.egd_read_blocking(c, 100)  # the connection survived
        with open(self.data, "rb") as f:
            data = f.read()
        self.assertEqual(first, data[:100])
        self.assertNotEqual(data.find(second), -1)

        r = self.egdd.ctl("shutdown")
        self.assertEqual(reply(r)["state"], "standby")
        self.assertEqual(self.egdd.status()["state"], "standby")

    def test_stats_has_counters(self):
        self.egdd.ctl("init")
        self.egdd.wait_pool(1000)
        with self.egdd.connect() as c:
            egdtest.egd_read_blocking(c, 10)
        st = json.loads(self.egdd.ctl("stats").stdout)
        self.assertGreaterEqual(st["egd"]["requests"], 1)
        self.assertGreaterEqual(st["egd"]["connections"], 1)
        self.assertGreater(st["health"]["chunks_tested"], 0)

    def test_usage_and_connection_errors(self):
        r = subprocess.run([egdtest.EGDCTL, "--socket", self.egdd.control, "bogus"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)
        r = subprocess.run([egdtest.EGDCTL, "--socket", self.dir + "/nope.sock", "status"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot connect", r.stderr)

    def test_control_socket_is_not_world_accessible(self):
        mode = stat.S_IMODE(os.stat(self.egdd.control).st_mode)
        self.assertEqual(mode, 0o660)

    def test_garbage_on_control_socket_changes_nothing(self):
        import socket
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.egdd.control)
            s.sendall(b"\xff" * 300)  # no newline, longer than any command
            answer = s.recv(1000)
        self.assertIn(b"too long", answer)
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.egdd.control)
            s.sendall(b"init now please\n")
            self.assertFalse(json.loads(s.recv(1000))["ok"])
        self.assertEqual(self.egdd.status()["state"], "standby")


def smaps(pid):
    """[(size_kib, locked_kib, vmflags)] for every mapping of pid."""
    maps, size, locked = [], 0, 0
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            if line.startswith("Size:"):
                size = int(line.split()[1])
            elif line.startswith("Locked:"):
                locked = int(line.split()[1])
            elif line.startswith("VmFlags:"):
                maps.append((size, locked, line.split()[1:]))
    return maps


class HardeningTest(unittest.TestCase):
    POOL = 256 * 1024

    def test_not_dumpable_no_core_and_locked_memory_is_dont_dump(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run egdd as another user")
        with egdtest.workdir() as d:
            e = egdtest.Egdd(d, source={"kind": "os"}, run_as="nobody",
                             extra="[pool]\nsize_bytes = %d\n" % self.POOL)
            with e:
                e.wait_pool(self.POOL // 2)
                pid = e.proc.pid
                with open("/proc/%d/status" % pid) as f:
                    uid = [l.split()[1] for l in f if l.startswith("Uid:")][0]
                self.assertEqual(int(uid), pwd_uid("nobody"))
                # A non-dumpable process's /proc files belong to root (proc(5)); a dumpable
                # one's to its user, as the control process shows.
                self.assertEqual(os.stat("/proc/%d/status" % pid).st_uid, 0, "egdd is dumpable")
                with subprocess.Popen(["sleep", "30"], user="nobody") as control:
                    try:
                        self.assertEqual(os.stat("/proc/%d/status" % control.pid).st_uid,
                                         pwd_uid("nobody"))
                    finally:
                        control.kill()
                with open("/proc/%d/limits" % pid) as f:
                    core = [l for l in f if l.startswith("Max core file size")][0]
                self.assertEqual(core.split()[4:6], ["0", "0"], core)
                mem = json.loads(e.ctl("stats").stdout)["secure_memory"]
                maps = smaps(pid)
                # AddressSanitizer makes mlock a no-op ("ASan ignores mlock"): nothing is locked.
                asan = under_sanitizer(pid)
        for key in ("mapped_bytes", "in_use_bytes", "peak_in_use_bytes", "unlocked_bytes",
                    "mappings"):
            self.assertIn(key, mem)
        self.assertGreaterEqual(mem["in_use_bytes"], self.POOL)
        self.assertGreaterEqual(mem["mapped_bytes"], mem["in_use_bytes"])
        locked = [m for m in maps if "lo" in m[2]]
        self.assertEqual([m for m in locked if "dd" not in m[2]], [],
                         "locked mappings that a core dump would include")
        dont_dump = [m for m in maps if "dd" in m[2]]
        self.assertTrue(any(size * 1024 >= self.POOL for size, _, _ in dont_dump),
                        "no dont-dump mapping holds the pool")
        if mem["unlocked_bytes"] == 0 and not asan:
            self.assertGreaterEqual(sum(l for _, l, f in maps if "dd" in f) * 1024,
                                    mem["mapped_bytes"], "secure memory not locked")
        print("\n%d locked / %d dont-dump mappings; secure memory %s"
              % (len(locked), len(dont_dump), mem), end="")


def pwd_uid(name):
    import pwd
    return pwd.getpwnam(name).pw_uid


class OsSourceTest(unittest.TestCase):
    def test_os_source_says_it_is_not_a_trng(self):
        with egdtest.workdir() as d, egdtest.Egdd(d, source={"kind": "os"}) as e:
            e.wait_pool(1000)
            s = e.status()
            self.assertEqual(s["source_kind"], "os")
            self.assertFalse(s["source_is_trng"])
            self.assertIn("NOT a true random", s["source"])


class FullPoolReinitTest(unittest.TestCase):
    def test_init_with_a_full_pool_still_runs_the_startup_test(self):
        # Regression: a full pool used to stop all reads, so the startup test
        # after shutdown + init never got its bytes and egdd stayed initializing.
        with egdtest.workdir() as d, egdtest.Egdd(
                d, source={"kind": "os"}, extra="[pool]\nsize_bytes = 65536\n") as e:
            e.wait_pool(60000)
            e.ctl("shutdown")
            e.ctl("init")
            egdtest.wait_for(lambda: e.status()["state"] == "running", "running after init",
                             timeout=10)


class CheckConfigTest(unittest.TestCase):
    def test_check_config_reports_file_and_line(self):
        with egdtest.workdir() as d:
            bad = os.path.join(d, "bad.toml")
            r = egdtest.check_config(egdtest.EGDD, bad,
                                     "[source]\nkind = \"os\"\n\n[egd]\nmax_client = 5\n")
            self.assertEqual(r.returncode, 1)
            self.assertIn(bad + ":5:", r.stderr)
            self.assertIn("max_client", r.stderr)
            example = os.path.join(os.path.dirname(__file__), "../../egdd/egdd.example.toml")
            r = egdtest.check_config(egdtest.EGDD, example)
            self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
