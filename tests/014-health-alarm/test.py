#!/usr/bin/env python3
"""014-health-alarm: a `file` source that turns bad midway, end to end.

The capture is good data, then a stuck stretch (0x00 or 0xA5), then good data
again. egdd must report `failed` with the alarm counted and named, log it, and
stop output at once: the pool (everything tested before the alarm and not yet
taken) is wiped, `00` answers 0, `01 255` returns nothing, a blocking `02` waits
and stays connected. Then egdd either waits for `egdctl init` (on_alarm =
"stop") or re-initialises by itself (on_alarm = "reinit"); once the startup test
passed again, the waiting reader gets the first fresh bytes.

Which bytes did the health gate release before the alarm (and the alarm then
wiped)? A byte is released only when every test window covering it has passed:
its 100-byte total failure chunk and its APT window (128 bytes with bit
samples, 512 with byte samples), all counted from the init. The chunk and the
window holding the first stuck byte can never pass (or the test that fails is
elsewhere in them), so every released byte lies before min(start of that
chunk, start of that window); `egdctl stats` counts them (health.bytes_passed)
and the alarm's wipe (health.bytes_wiped_on_alarm).

Which test fires first? The repetition count cutoff is 41 bits (bit samples) or
6 bytes (byte samples) at alpha = 2^-40, H = 1: a run of 0x00 trips it within
the first stuck bytes, long before a 100-byte chunk completes; 0xA5 bytes
(10100101) never make a bit run longer than 2 nor sway the bit APT (half ones),
so with bit samples the total failure test catches them (70 > 12 in the chunk);
with byte samples six equal bytes trip the repetition count test.

After an alarm the file source resumes where it stopped (it never replays). egdd
reads it `read_size` = 1,000 bytes at a time and the alarm discards the rest of
the read that held it, so the stuck stretch is placed to end inside that read:
whatever follows is good data, and the test checks the resumption point is
exactly the number of bytes egdd had received (`bytes_received`).
"""
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import (GRAIN, assert_silent, drain_pool, healthy_random, recv_exact,  # noqa: E402
                     wait_for)

READ_SIZE = 1000
BAD_START = 64130            # first stuck byte: not aligned to any test window
BAD_LEN = 600                # [64130, 64730), inside the read [64000, 65000)
RESUME = 65000               # end of that read: the good data after it starts here
TAIL = 2 * GRAIN + 37        # good data after RESUME; its last 37 bytes are never served
APT_WINDOW = {"bit": 1024 // 8, "byte": 512}   # bytes per APT window
TF_CHUNK = 100
# Which test must catch a stuck value first, per sample mode (see the docstring).
FIRST = {("bit", 0x00): "repetition_count", ("bit", 0xA5): "total_failure",
         ("byte", 0x00): "repetition_count", ("byte", 0xA5): "repetition_count"}


def released_upto(n, sample):
    """Bytes of n tested ones (counted from an init) whose windows have all completed."""
    return min(n // TF_CHUNK * TF_CHUNK, n // APT_WINDOW[sample] * APT_WINDOW[sample])


def capture(stuck):
    """The file: good data, BAD_LEN stuck bytes, good filler to RESUME, good data."""
    data = (healthy_random(BAD_START) + bytes([stuck]) * BAD_LEN
            + healthy_random(RESUME - BAD_START - BAD_LEN) + healthy_random(TAIL))
    assert len(data) == RESUME + TAIL
    return data


class HealthAlarmTest(unittest.TestCase):
    def start(self, sample, stuck, on_alarm, autostart=True, reinit_delay_ms=200):
        tmp = tempfile.TemporaryDirectory(prefix="egdtest-014-")
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "capture.bin")
        data = capture(stuck)
        with open(path, "wb") as f:
            f.write(data)
        health = ('[health]\nsample = "%s"\non_alarm = "%s"\nreinit_delay_ms = %d\n'
                  % (sample, on_alarm, reinit_delay_ms))
        egd = egdtest.Egdd(tmp.name, source={"kind": "file", "path": path, "autostart": autostart,
                                             "read_size": READ_SIZE}, extra=health).start()
        self.addCleanup(lambda: self.assertEqual(egd.stop(), 0, "egdd exit code"))
        return egd, data

    def check_alarm(self, egd, st, sample, stuck):
        test = FIRST[(sample, stuck)]
        self.assertEqual(st["alarms"], 1, st)
        self.assertRegex(st["last_alarm"], r"^%s\b" % test, "the wrong test caught 0x%02x" % stuck)
        self.assertRegex(egd.log_text(), r"(?i)alarm.*\b%s\b" % test, "no alarm line in the log")

    def check_first_part(self, released, sample):
        """released: bytes the gate passed to the pool before the alarm."""
        limit = min(BAD_START // TF_CHUNK * TF_CHUNK,
                    BAD_START // APT_WINDOW[sample] * APT_WINDOW[sample])
        self.assertLessEqual(released, limit, "bytes of the failing window were released")
        # Everything tested before the read that held the stuck bytes was released.
        self.assertGreaterEqual(released, limit - 2 * READ_SIZE, "good bytes withheld")

    def check_output_stopped(self, egd, a, b):
        """While failed: nothing advertised, nothing served, a blocking read waits (b)."""
        st = egd.status()
        self.assertEqual((st["pool_bytes"], st["entropy_bits"], st["output_stopped"]),
                         (0, 0, True), st)
        self.assertEqual(egdtest.egd_entropy(a), 0, "00 while failed")
        self.assertEqual(egdtest.egd_read_nonblocking(a, 255), b"", "01 255 while failed")
        b.sendall(b"\x02\x40")            # a blocking read waits while failed
        assert_silent(b, 0.5)
        self.assertEqual(egd.status()["bytes_served"], 0)

    def check_wiped(self, egd, sample, after_restart=0):
        """The alarm wiped every tested byte the pool held: all the gate had released."""
        health = egd.stats()["health"]
        wiped = health["bytes_wiped_on_alarm"]
        self.assertEqual(wiped, health["bytes_passed"] - after_restart, health)
        self.check_first_part(wiped, sample)
        return wiped

    def test_stop_waits_for_init_then_resumes_after_the_bad_region(self):
        for sample, stuck in sorted(FIRST):
            with self.subTest(sample=sample, stuck=hex(stuck)):
                self.stop_scenario(sample, stuck)

    def stop_scenario(self, sample, stuck):
        egd, data = self.start(sample, stuck, "stop")
        wait_for(lambda: egd.status()["state"] == "failed", "state failed")
        st = egd.status()
        self.check_alarm(egd, st, sample, stuck)
        wiped = self.check_wiped(egd, sample)
        resume = st["bytes_received"]
        self.assertEqual(resume, RESUME, "egdd should have stopped reading at the end of "
                         "the read that raised the alarm (read_size = %d)" % READ_SIZE)
        with egd.connect() as a, egd.connect(unix=True) as b:
            self.check_output_stopped(egd, a, b)
            time.sleep(0.3)
            st = egd.status()
            self.assertEqual((st["state"], st["alarms"], st["bytes_received"], st["pool_bytes"]),
                             ("failed", 1, resume, 0), "on_alarm = stop must not re-initialise")
            reply = json.loads(egd.ctl("init").stdout)
            self.assertTrue(reply["ok"], reply)
            # The file continues where it stopped; once the startup test passed, the first
            # fresh bytes go to the reader that waited through the alarm.
            self.assertEqual(recv_exact(b, 64), data[resume:resume + 64])
            end = resume + released_upto(len(data) - resume, sample)
            wait_for(lambda: egd.status()["bytes_received"] == len(data), "file read to the end")
            rest = drain_pool(egd, a)
            self.assertEqual(rest, data[resume + 64:end], "after init: not the file from "
                             "where it stopped, in order, up to its last complete window")
            st = egd.status()
        self.assertEqual((st["state"], st["alarms"], st["output_stopped"]), ("running", 1, False),
                         st)
        self.assertEqual(st["bytes_served"], end - resume)
        print("\n%s/0x%02x: %s; %d tested bytes wiped by the alarm, %d served after init"
              % (sample, stuck, st["last_alarm"], wiped, end - resume), end="")

    def test_reinit_by_itself_after_reinit_delay(self):
        for sample, stuck in (("bit", 0x00), ("byte", 0xA5)):
            with self.subTest(sample=sample, stuck=hex(stuck)):
                self.reinit_scenario(sample, stuck)

    def reinit_scenario(self, sample, stuck):
        egd, data = self.start(sample, stuck, "reinit", autostart=False, reinit_delay_ms=1500)
        self.assertEqual(egd.status()["state"], "standby")
        t0 = time.monotonic()
        egd.ctl("init", "--no-wait")  # the device may well fail before a wait saw it running
        wait_for(lambda: egd.status()["state"] == "failed", "state failed")
        with egd.connect() as a, egd.connect(unix=True) as b:
            self.check_output_stopped(egd, a, b)
            seen, deadline = ["failed"], t0 + 10
            while True:
                st = egd.status()
                if seen[-1] != st["state"]:
                    seen.append(st["state"])
                if st["state"] == "running" and st["bytes_received"] == len(data):
                    break
                self.assertLess(time.monotonic(), deadline, "never running again: %s" % seen)
                time.sleep(0.01)
            elapsed = time.monotonic() - t0
            self.assertGreaterEqual(elapsed, 1.5, "re-initialised before reinit_delay_ms")
            self.check_alarm(egd, st, sample, stuck)
            # After the re-init: the file from the end of the read that raised the alarm
            # (RESUME) up to its last complete window; the waiting reader first.
            self.assertEqual(recv_exact(b, 64), data[RESUME:RESUME + 64])
            end = RESUME + released_upto(len(data) - RESUME, sample)
            served = drain_pool(egd, a)
        self.assertEqual(served, data[RESUME + 64:end], "after the re-init: not the file "
                         "from where it stopped, in order")
        wiped = self.check_wiped(egd, sample, after_restart=end - RESUME)
        print("\n%s/0x%02x: states %s, running again %.3f s after init; %d bytes wiped"
              % (sample, stuck, seen, elapsed, wiped), end="")


if __name__ == "__main__":
    unittest.main(verbosity=2)
