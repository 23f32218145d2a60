#!/usr/bin/env python3
"""015-conditioned-output: [output] mode = "conditioned", checked with hashlib.

With a `file` source every byte egdd releases is known: the file in order, up
to the last complete health test window. In conditioned mode each 64-byte
output block must be SHA-512 of the next max(ceil(576 / (8 x entropy_per_bit)), 80)
released bytes (512 output bits + 64 spare bits of credited entropy, in 640 bits at
least): 80 bytes at 1.0, 144 at 0.5, 103 at 0.7. A partly filled input block is
never output. EGD `00` and `egdctl status` credit conditioned output with 8 bits per
byte (SP 800-90B's Output_Entropy is within 2^-64 of full for these inputs), raw
output with 8 x entropy_per_bit. The source is certified (egdtest's default), so
egdd credits the configured value without assessing it.

After a health alarm output stops and everything not yet served is wiped: the
pooled output blocks and the partly absorbed input block. The blocks after the
re-init hash only bytes read after it, from the first.
"""
import hashlib
import math
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import GRAIN, drain_pool, egd_entropy, healthy_random, request, wait_for  # noqa: E402

RELEASED = 9 * GRAIN          # 115,200 bytes: a multiple of 80, 144 and 240, not of 103
FILE_SIZE = RELEASED + 37     # the last incomplete test window is never released


def block_size(entropy_per_bit):
    return max(math.ceil(576 / (8 * entropy_per_bit) - 1e-9), 80)


def conditioned(raw, n):
    """SHA-512 of each complete n-byte block of raw, concatenated."""
    return b"".join(hashlib.sha512(raw[i:i + n]).digest()
                    for i in range(0, len(raw) - n + 1, n))


class ConditionedOutputTest(unittest.TestCase):
    def start(self, data, entropy_per_bit, mode, extra_source=None, health=""):
        tmp = tempfile.TemporaryDirectory(prefix="egdtest-015-")
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "capture.bin")
        with open(path, "wb") as f:
            f.write(data)
        source = {"kind": "file", "path": path, "entropy_per_bit": entropy_per_bit}
        source.update(extra_source or {})
        egd = egdtest.Egdd(tmp.name, source=source,
                           extra='[output]\nmode = "%s"\n%s' % (mode, health)).start()
        self.addCleanup(lambda: self.assertEqual(egd.stop(), 0, "egdd exit code"))
        return egd

    def test_blocks_are_sha512_of_consecutive_raw_blocks(self):
        for h in (1.0, 0.5, 0.7):
            with self.subTest(entropy_per_bit=h):
                n = block_size(h)
                self.assertEqual(n, {1.0: 80, 0.5: 144, 0.7: 103}[h])
                data = healthy_random(FILE_SIZE)
                expected = conditioned(data[:RELEASED], n)
                egd = self.start(data, h, "conditioned")
                wait_for(lambda: egd.status()["bytes_received"] == FILE_SIZE, "file read")
                wait_for(lambda: egd.status()["pool_bytes"] == len(expected),
                         "pool == %d output bytes" % len(expected))
                st = egd.status()
                self.assertEqual(st["output_mode"], "conditioned")
                self.assertEqual(st["entropy_bits"], 8 * len(expected), "not 8 bits per byte")
                with egd.connect() as s:
                    self.assertEqual(egd_entropy(s), 8 * len(expected))
                    first = request(s, b"\x02\x64", 100)
                    self.assertEqual(egd_entropy(s), 8 * (len(expected) - 100))
                    served = first + drain_pool(egd, s)
                self.assertEqual(len(served), len(expected), "output bytes served")
                self.assertEqual(served, expected, "not SHA-512 of consecutive %d-byte blocks of "
                                 "the released stream, in order" % n)
                self.assertEqual(egd.status()["entropy_bits"], 0)
                egd.stop()

    def test_raw_mode_credits_entropy_per_bit(self):
        data = healthy_random(FILE_SIZE)
        egd = self.start(data, 0.5, "raw")
        wait_for(lambda: egd.status()["pool_bytes"] == RELEASED, "file loaded")
        self.assertEqual(egd.status()["entropy_bits"], 4 * RELEASED)
        with egd.connect() as s:
            self.assertEqual(egd_entropy(s), 4 * RELEASED)
            self.assertEqual(request(s, b"\x02\x48", 72), data[:72], "raw mode changed the bytes")
            self.assertEqual(egd_entropy(s), 4 * (RELEASED - 72))

    def test_alarm_wipes_and_restarts_the_conditioner(self):
        # Stuck at 0x00 from 64,130: the repetition count test alarms in the read of
        # [64000, 65000); egdd had released 64,000 bytes at most (the failing window starts
        # at 64,000) and conditioned them into the pool; the alarm wipes those blocks,
        # egdd re-initialises after 200 ms and goes on from 65,000.
        bad, resume, tail = 64130, 65000, 2 * GRAIN + 37
        data = (healthy_random(bad) + bytes(600) + healthy_random(resume - bad - 600)
                + healthy_random(tail))
        egd = self.start(data, 1.0, "conditioned", {"read_size": 1000},
                         '[health]\nsample = "byte"\non_alarm = "reinit"\nreinit_delay_ms = 200\n')
        wait_for(lambda: egd.status()["bytes_received"] == len(data)
                 and egd.status()["state"] == "running", "re-initialised, file read")
        st = egd.status()
        self.assertEqual(st["alarms"], 1, st)
        after = conditioned(data[resume:resume + 2 * GRAIN], block_size(1.0))
        served = drain_pool(egd)
        self.assertEqual(served, after, "not SHA-512 blocks of the stream after the re-init, "
                         "from its start (or blocks from before the alarm were served)")
        wiped = egd.stats()["health"]["bytes_wiped_on_alarm"]
        self.assertEqual(wiped % 64, 0)
        blocks_before = wiped // 64
        n = block_size(1.0)
        self.assertLessEqual(n * blocks_before, 64000, "input from the failing window used")
        self.assertGreaterEqual(n * blocks_before, 64000 - 2 * 1000 - n, "blocks missing")


if __name__ == "__main__":
    unittest.main(verbosity=2)
