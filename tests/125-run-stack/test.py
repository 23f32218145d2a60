#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""125-run-stack: scripts/run-stack as a newcomer runs it, with no fault injected.

- the banner states the simulator's rate and how long each egd-eval capture takes;
- over 60 s the serial line loses no frame and has no CRC error (the simulator's default
  rate fits the 9600-baud line), and the raw rate is what the banner says;
- trng-httpd's own EGD connection is counted as internal, not as an EGD client;
- Ctrl-C (SIGINT to the process group, as a terminal sends it) ends run-stack with exit
  status 0 and nothing on stderr.
"""
import os
import re
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import stacktest  # noqa: E402
from egdtest import wait_for  # noqa: E402

BUILD = os.environ.get("EGD_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
WINDOW = 60  # seconds of the device running that must lose no frame


class RunStackTest(unittest.TestCase):
    def test_no_lost_frames_and_quiet_ctrl_c(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-125-") as d:
            started = time.time()
            stack = stacktest.RunStack(BUILD, os.path.join(d, "run-stack.stderr"))
            with stack:
                banner = "\n".join(stack.banner)
                m = re.search(r"stack: rate +(\d+) bit/s = (\d+) bytes/s", banner)
                self.assertIsNotNone(m, banner)
                rate = int(m.group(2))
                for procedure in ("A 1035716 bytes", "B 871060 bytes", "fips 2500 bytes",
                                  "90b 125000 bytes"):
                    self.assertIn(procedure, banner)
                first = stack.egdctl("status")
                t_first = time.time()
                time.sleep(max(0.0, started + WINDOW - time.time()))
                st = stack.egdctl("status")
                line = st["source_stats"]
                self.assertGreater(line["frames"], first["source_stats"]["frames"])
                self.assertEqual(line["lost_frames"], 0, line)
                self.assertEqual(line["crc_errors"], 0, line)
                self.assertEqual(line["seq_gaps"], 0, line)
                measured = (st["bytes_received"] - first["bytes_received"]) / (time.time() - t_first)
                self.assertGreater(measured, 0.8 * rate, "bytes/s")
                self.assertLess(measured, 1.2 * rate, "bytes/s")
                self.assertEqual(stack.http("getRandom?numBits=16&quantity=1").status, 200)
                wait_for(lambda: stack.egdctl("status")["internal_clients"] >= 1,
                         "trng-httpd's internal connection")
                self.assertEqual(stack.egdctl("status")["clients"], 0)
                rc, stderr = stack.interrupt()
                self.assertEqual(rc, 0, stderr)
                self.assertEqual(stderr, "")
                self.assertFalse(os.path.exists(stack.run), "run-stack left its directory")


if __name__ == "__main__":
    unittest.main(verbosity=2)
