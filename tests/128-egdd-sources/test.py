#!/usr/bin/env python3
"""Several sources on one egdd ([[source]] tables), each a trng-sim on its own
pseudo-terminal: a source configured before its device exists is device_lost (the
daemon degraded) and joins when the device appears, without a restart; `fan-stop` on
one fails that source alone (the daemon degraded) while clients keep getting bytes
from the others; `fan-start` and `egdctl init NAME` bring it back; an unplugged
device is seen and healed on replug while every client stays connected."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from simtest import TrngSim  # noqa: E402

RATE_BPS = 7000  # ~875 payload bytes/s each: under the 960 bytes/s of 9600 baud


def sim(workdir, name):
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    return TrngSim(d, RATE_BPS, control="sim.ctl", log=os.path.join(d, "sim.log"))


def command(s, line):
    answer = s.command(line)
    assert answer.startswith("ok"), "trng-sim %r: %r" % (line, answer)


def source(status, name):
    return next(s for s in status["sources"] if s["name"] == name)


class SourcesTest(unittest.TestCase):
    def setUp(self):
        self.dir = self.enterContext(egdtest.workdir())
        self.sims = {n: sim(self.dir, n) for n in ("a", "b")}
        for s in self.sims.values():
            self.addCleanup(s.stop)
        # c's device does not exist yet: it is plugged in during the test.
        self.c_link = os.path.join(self.dir, "c", "ttyTRNG")
        sources = [{"name": n, "kind": "serial", "port": os.path.join(self.dir, n, "ttyTRNG")}
                   for n in ("a", "b", "c")]
        self.egd = self.enterContext(egdtest.Egdd(
            self.dir, sources=sources, extra='[health]\non_alarm = "stop"\n'))

    def states(self):
        st = self.egd.status()
        return st["state"], {s["name"]: s["state"] for s in st["sources"]}

    def wait_states(self, daemon, each, what, timeout=20):
        egdtest.wait_for(lambda: self.states() == (daemon, each), what, timeout=timeout)

    def test_sources_fail_leave_and_join_alone(self):
        self.wait_states("degraded", {"a": "running", "b": "running", "c": "device_lost"},
                         "a and b running, c not plugged in")
        reader = egdtest.BlockingReader(self.egd.connect(timeout=60))
        reader.start()
        idle = self.egd.connect(unix=True)
        egdtest.wait_for(lambda: len(reader.data) >= 256, "bytes from a and b", timeout=10)

        # Hot-plug: c's device appears; egdd opens it without a restart.
        self.sims["c"] = sim(self.dir, "c")
        self.addCleanup(self.sims["c"].stop)
        self.wait_states("running", {"a": "running", "b": "running", "c": "running"},
                         "c joined")
        clients = self.egd.status()["clients"]

        # An alarm on b fails b alone; the others keep serving.
        command(self.sims["b"], "fan-stop")
        self.wait_states("degraded", {"a": "running", "b": "failed", "c": "running"},
                         "b failed alone")
        st = self.egd.status()
        self.assertEqual(source(st, "b")["pool_bytes"], 0, "b's unserved bytes wiped")
        self.assertEqual(source(st, "b")["entropy_bits"], 0)
        self.assertFalse(st["output_stopped"])
        self.assertTrue(source(st, "b")["output_stopped"])
        self.assertIn("b failed", st["state_reason"])
        self.assertRegex(st["last_alarm"], "^b: ")
        got = len(reader.data)
        egdtest.wait_for(lambda: len(reader.data) >= got + 1024, "bytes while b failed",
                         timeout=10)
        with self.egd.connect(unix=True) as c:
            self.assertEqual(len(egdtest.egd_read_blocking(c, 64)), 64)
        self.assertIn("source b: health alarm", self.egd.log_text())

        command(self.sims["b"], "fan-start")
        time.sleep(1.0)  # the fan spins up (0.4 s time constant)
        reply = json.loads(self.egd.ctl("init", "b").stdout)
        self.assertTrue(reply["ok"], reply)
        self.wait_states("running", {"a": "running", "b": "running", "c": "running"},
                         "b running again")

        # Unplug a: a is device_lost, the daemon degraded; replug heals it.
        command(self.sims["a"], "unplug")
        self.wait_states("degraded", {"a": "device_lost", "b": "running", "c": "running"},
                         "a lost", timeout=5)
        got = len(reader.data)
        egdtest.wait_for(lambda: len(reader.data) >= got + 512, "bytes while a is unplugged",
                         timeout=10)
        command(self.sims["a"], "replug")
        self.wait_states("running", {"a": "running", "b": "running", "c": "running"},
                         "a replugged")

        self.assertIsNone(reader.error)
        self.assertTrue(reader.is_alive(), "the blocked reader was disconnected")
        self.assertEqual(self.egd.status()["clients"], clients)
        self.assertEqual(len(egdtest.egd_read_blocking(idle, 16)), 16)  # still connected
        reader.stop.set()
        idle.close()
        st = self.egd.status()
        self.assertEqual(source(st, "b")["alarms"], 1)
        self.assertEqual(source(st, "a")["alarms"] + source(st, "c")["alarms"], 0)
        self.assertGreaterEqual(source(st, "a")["reconnects"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
