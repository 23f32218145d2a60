#!/usr/bin/env python3
"""egdd's serial source against trng-sim on a real pseudo-terminal: bytes flow to
EGD clients; garbage on the line is counted and never served; unplug is seen as
device_lost within 2 s and replug brings the device back without restarting
egdd or dropping any EGD client; a stopped fan raises a health alarm, no byte of
the failed window is served and output stops at once (00 answers 0, 01 255 returns
nothing) until the fan runs again and `egdctl init` passed the startup test: the
client blocked in a read all along is then served again."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from simtest import TrngSim  # noqa: E402

RATE_BPS = 7000  # ~875 payload bytes/s: under the 960 bytes/s of 9600 baud


class Sim(TrngSim):
    """trng-sim whose every command must be answered "ok"."""

    def __init__(self, workdir):
        super().__init__(workdir, RATE_BPS, control="sim.ctl",
                         log=os.path.join(workdir, "sim.log"))

    def command(self, line):
        answer = super().command(line)
        assert answer.startswith("ok"), "trng-sim %r: %r" % (line, answer)
        return answer


def longest_zero_run(data):
    best = run = 0
    for b in data:
        run = run + 1 if b == 0 else 0
        best = max(best, run)
    return best


class SerialTest(unittest.TestCase):
    def setUp(self):
        self.dir = self.enterContext(egdtest.workdir())
        self.sim = Sim(self.dir)
        self.addCleanup(self.sim.stop)
        self.egd = self.enterContext(egdtest.Egdd(
            self.dir, source={"kind": "serial"},
            extra='[serial]\nport = "%s"\nbaud_rate = 9600\n[health]\non_alarm = "stop"\n'
                  % self.sim.link))
        egdtest.wait_for(lambda: self.egd.status()["state"] == "running",
                         "egdd running on trng-sim", timeout=20)

    def test_bytes_flow_and_garbage_is_skipped(self):
        with self.egd.connect() as c:
            self.assertEqual(len(egdtest.egd_read_blocking(c, 64)), 64)
            before = self.egd.status()["source_stats"]
            self.sim.command("garbage 300")
            self.sim.command("corrupt 3")
            # `corrupt 3` flips a bit in each of the next 3 bytes on the line: a
            # frame hit in its CRC-covered part is a CRC error, one hit in its sync
            # bytes is skipped; either way it is never emitted, so it is lost.
            def damage(st):
                return st["crc_errors"] + st["lost_frames"] + st["bad_lines"]
            egdtest.wait_for(lambda: damage(self.egd.status()["source_stats"]) > damage(before),
                             "corrupted frame detected", timeout=20)
            egdtest.wait_for(lambda: self.egd.status()["source_stats"]["skipped_bytes"] >=
                             before["skipped_bytes"] + 300, "garbage skipped", timeout=10)
            self.assertEqual(len(egdtest.egd_read_blocking(c, 64)), 64)
        s = self.egd.status()
        self.assertEqual(s["state"], "running")
        self.assertGreaterEqual(s["source_stats"]["skipped_bytes"] - before["skipped_bytes"], 300)
        # Every byte egdd took in was the payload of a frame with a valid CRC.
        self.assertLessEqual(s["bytes_received"], s["source_stats"]["payload_bytes"])
        self.assertEqual(s["alarms"], 0)

    def test_unplug_and_replug_keep_clients(self):
        reader = egdtest.BlockingReader(self.egd.connect(timeout=60))
        reader.start()
        egdtest.wait_for(lambda: len(reader.data) >= 64, "bytes before unplug", timeout=10)
        idle = self.egd.connect()
        self.sim.command("unplug")
        t0 = time.monotonic()
        egdtest.wait_for(lambda: self.egd.status()["state"] == "device_lost",
                         "device_lost after unplug", timeout=5)
        self.assertLess(time.monotonic() - t0, 2.0)
        clients = self.egd.status()["clients"]
        self.sim.command("replug")
        egdtest.wait_for(lambda: self.egd.status()["state"] == "running",
                         "running again after replug", timeout=20)
        got = len(reader.data)
        egdtest.wait_for(lambda: len(reader.data) >= got + 64, "bytes after replug", timeout=10)
        self.assertIsNone(reader.error)
        self.assertEqual(self.egd.status()["clients"], clients)
        self.assertEqual(len(egdtest.egd_read_blocking(idle, 16)), 16)  # still connected
        reader.stop.set()
        idle.close()
        stats = __import__("json").loads(self.egd.ctl("stats").stdout)
        self.assertGreaterEqual(stats["source_reconnects"], 1)

    def test_fan_stop_raises_an_alarm_and_serves_nothing_of_it(self):
        reader = egdtest.BlockingReader(self.egd.connect(timeout=60))
        reader.start()
        egdtest.wait_for(lambda: len(reader.data) >= 256, "bytes before the fan stops",
                         timeout=10)
        self.sim.command("fan-stop")
        egdtest.wait_for(lambda: self.egd.status()["state"] == "failed", "health alarm",
                         timeout=20)
        s = self.egd.status()
        self.assertEqual(s["alarms"], 1)
        self.assertRegex(s["last_alarm"], "^(total_failure|repetition_count|adaptive_proportion)")
        served = len(reader.data)
        time.sleep(1.0)
        self.assertEqual(len(reader.data), served, "bytes served while failed")
        # The stuck device sends 00 bytes. A chunk that passed the total failure
        # test holds at most 12 of them, so any run of zeros in what was served
        # spans at most two chunks' worth: 24.
        self.assertLessEqual(longest_zero_run(reader.data), 24)
        self.assertIn("health alarm", self.egd.log_text())
        s = self.egd.status()
        self.assertEqual((s["pool_bytes"], s["entropy_bits"]), (0, 0), s)
        with self.egd.connect(unix=True) as c:
            self.assertEqual(egdtest.egd_entropy(c), 0)
            self.assertEqual(egdtest.egd_read_nonblocking(c, 255), b"")
        self.assertIsNone(reader.error)
        self.assertTrue(reader.is_alive(), "the blocked reader was disconnected")
        self.sim.command("fan-start")
        time.sleep(1.0)                     # the fan spins up (0.4 s time constant)
        self.egd.ctl("init")
        egdtest.wait_for(lambda: len(reader.data) > served, "bytes after re-init", timeout=20)
        self.assertEqual(self.egd.status()["state"], "running")
        self.assertIsNone(reader.error)
        reader.stop.set()


if __name__ == "__main__":
    unittest.main(verbosity=2)
