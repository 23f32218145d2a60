#!/usr/bin/env python3
"""119-honest-entropy: egdd credits only what its own SP 800-90B assessment found.

egdd with its default configuration (only the source, sockets and state directory are
set) on a `file` source of bytes whose bits are 1 with probability 3/4 (min-entropy
-log2(0.75) = 0.415 per bit):
- before the assessment: `00` answers 0 and `01` returns nothing;
- egdd assesses the first 1,000,000 raw samples (8-bit, a byte source), stores the result
  in its state directory and starts serving: no alarm, `00` reports more than zero and at
  most 0.45 x 8 bits per pooled byte; 200 KB read by clients raise no alarm (the health
  tests follow the assessed distribution);
- restarted, egdd finds its stored assessment: nothing is assessed again;
- `egdctl assess` assesses the running device again;
- a stuck source (one byte value) alarms within its first chunk, before any assessment,
  and a source that gets stuck after its assessment alarms too.
"""
import json
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import egd_entropy, egd_read_blocking, egd_read_nonblocking, wait_for  # noqa: E402

SAMPLES = 1_000_000
TIMEOUT = 240  # the assessment takes ~1 s optimised, much longer under the sanitizers


def biased_bytes(n, seed):
    """n bytes whose bits are independently 1 with probability 3/4."""
    rng = random.Random(seed)  # the OR of two uniform bits is 1 with probability 3/4
    a, b = (int.from_bytes(rng.randbytes(n), "big") for _ in range(2))
    return (a | b).to_bytes(n, "big")


class HonestEntropyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = cls.enterClassContext(egdtest.workdir("egdtest-119-"))
        cls.capture = os.path.join(cls.dir, "biased.bin")
        with open(cls.capture, "wb") as f:
            f.write(biased_bytes(6 * SAMPLES, 11))  # two assessments, two pool fills, reads

    def egdd(self, path, offset="offset"):
        source = {"kind": "file", "path": path, "offset_file": os.path.join(self.dir, offset)}
        return egdtest.Egdd(self.dir, source, assess=True)

    def test_biased_source(self):
        with self.egdd(self.capture) as egd:
            s = egd.connect(unix=True)
            self.assertEqual(egd_entropy(s), 0, "credited before the assessment")
            self.assertEqual(egd_read_nonblocking(s, 32), b"", "served before the assessment")
            a = egd.status()["assessment"]
            self.assertIn(a["state"], ("running",))
            self.assertEqual(a["running"]["samples_needed"], SAMPLES)
            self.assertEqual(a["running"]["bits_per_sample"], 8)

            wait_for(lambda: egd.status()["state"] == "running", "the device runs", TIMEOUT)
            wait_for(lambda: (lambda x: x["pool_bytes"] >= x["pool_capacity"] // 2)(egd.status()),
                     "a pool half full", TIMEOUT)
            # No client takes bytes: the pool only grows, so the pool size read after
            # 00 bounds what 00 counted.
            bits = egd_entropy(s)
            st = egd.status()
            a = st["assessment"]
            self.assertEqual(a["state"], "done")
            self.assertEqual(a["result"]["samples"], SAMPLES)
            self.assertEqual(st["alarms"], 0, st["last_alarm"])
            per_bit = a["credited_entropy_per_bit"]
            self.assertGreater(per_bit, 0)
            self.assertLessEqual(per_bit, 0.45)
            self.assertGreater(bits, 0)
            self.assertLessEqual(bits, 0.45 * 8 * st["pool_bytes"])
            print("\nassessed %.4f bits per 8-bit sample (%s) in %.2f s: %.4f per bit; "
                  "00 = %d for %d pooled bytes; total failure limit %d, RCT cutoff %d"
                  % (a["result"]["min_entropy"], a["result"]["decided_by"],
                     a["result"]["seconds"], per_bit, bits, st["pool_bytes"],
                     a["health"]["total_failure_max_identical"], a["health"]["rct_cutoff"]))
            # The pool (1 MiB) is drained and refilled from the capture: no alarm.
            for _ in range(1_200_000 // 255):
                self.assertEqual(len(egd_read_blocking(s, 255)), 255)
            self.assertEqual(egd.status()["alarms"], 0, egd.status()["last_alarm"])
            files = [f for f in os.listdir(egd.state_dir) if f.startswith("assessment-")]
            self.assertEqual(len(files), 1)
            with open(os.path.join(egd.state_dir, files[0])) as f:
                stored = json.load(f)
            self.assertEqual(stored["identity"], "file:" + os.path.realpath(self.capture))
            s.close()

        # Restarted: the stored assessment is used at once.
        with self.egdd(self.capture) as egd:
            st = egd.status()
            self.assertEqual(st["assessment"]["state"], "done")
            wait_for(lambda: egd.status()["state"] == "running", "the device runs", 30)
            self.assertEqual(egd.stats()["health"]["bytes_assessed"], 0)
            # egdctl assess: a new assessment of the running device.
            r = egd.ctl("assess")
            self.assertIn("Assessment started", r.stdout)
            wait_for(lambda: egd.stats()["health"]["bytes_assessed"] == SAMPLES
                     and egd.status()["assessment"]["state"] == "done", "the new assessment", TIMEOUT)

    def test_stuck_source(self):
        stuck = os.path.join(self.dir, "stuck.bin")
        with open(stuck, "wb") as f:
            f.write(b"\x5a" * 100_000)
        with self.egdd(stuck, "offset-stuck") as egd:
            wait_for(lambda: egd.status()["alarms"], "an alarm", 30)
            st = egd.status()
            self.assertIn("total_failure: byte value 90 occurred more than 99 times in a chunk "
                          "of 100 bytes", st["last_alarm"])
            self.assertEqual(st["assessment"]["state"], "none")
            s = egd.connect(unix=True)
            self.assertEqual(egd_entropy(s), 0)

    def test_source_stuck_after_its_assessment(self):
        path = os.path.join(self.dir, "turns-stuck.bin")
        with open(path, "wb") as f:
            f.write(biased_bytes(SAMPLES + 300_000, 12) + b"\x5a" * 20_000)
        with self.egdd(path, "offset-turns") as egd:
            wait_for(lambda: egd.status()["alarms"], "an alarm", TIMEOUT)
            st = egd.status()
            self.assertEqual(st["assessment"]["state"], "done")
            limit = st["assessment"]["health"]["total_failure_max_identical"]
            self.assertIn("total_failure: byte value 90 occurred more than %d times in a chunk "
                          "of 100 bytes" % limit, st["last_alarm"])
            self.assertGreater(limit, 12)
            self.assertLess(limit, 100)


if __name__ == "__main__":
    unittest.main(verbosity=2)
