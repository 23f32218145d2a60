#!/usr/bin/env python3
"""016-rngtest-ent: an external cross-check of the bytes egdd serves.

2,500,004 bytes fetched over EGD from egdd (os source, raw and conditioned
output) go through Debian's `rngtest -c 1000` (rng-tools5: FIPS 140-2 on 1,000
blocks of 20,000 bits after a 32-bit seed for its continuous test) and `ent`.
Streams with known defects go through the same checks to show they can fail.

Bounds, for N = 2,500,004 bytes of ideal random data (each false alarm
probability computed, not guessed):
- rngtest: a good block fails some FIPS 140-2 test with p ~ 0.0007 (measured:
  72 of 100,000 blocks of /dev/urandom; monobit 1.0e-4, long run 3.0e-4, runs
  and poker the rest); with p = 0.001, P(more than 11 of 1,000 fail) = 8e-10.
  (At most 6 would false-alarm once in ~12,000 runs.)
- ent chi-square of the byte counts ~ chi2(255): P(> 450) = 6e-13.
- ent entropy: 8 - H ~ chi2 / (2 N ln 2), so H > 7.9995 means chi2 < 1,733:
  P ~ 1e-200. (7.99 would pass a source with p(1) = 0.51: H = 7.9977.)
- mean: sd = sqrt((256^2 - 1) / 12 / N) = 0.0467; |mean - 127.5| < 0.35 is
  7.5 sd: P = 7e-14.
- serial correlation: sd = 1 / sqrt(N) = 0.00063; |r| < 0.005 is 7.9 sd:
  P = 3e-15.
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import recv_exact  # noqa: E402

BLOCKS = 1000
NBYTES = 4 + BLOCKS * 2500          # rngtest's 32-bit seed word, then the blocks
MAX_FIPS_FAILURES = 11
MAX_CHI_SQUARE = 450.0
MIN_ENTROPY = 7.9995
MAX_MEAN_OFFSET = 0.35
MAX_SERIAL = 0.005


def rngtest(data, blocks):
    r = subprocess.run(["rngtest", "-c", str(blocks)], input=data, capture_output=True,
                       timeout=60)
    out = r.stderr.decode()
    counts = {k: int(v) for k, v in re.findall(r"FIPS 140-2 (successes|failures): (\d+)", out)}
    if counts.get("successes", 0) + counts.get("failures", 0) != blocks:
        raise AssertionError("rngtest did not test %d blocks:\n%s" % (blocks, out))
    return counts["failures"], out


def ent(data):
    """ent -t: entropy, chi-square, mean, Monte Carlo pi, serial correlation."""
    with tempfile.NamedTemporaryFile(prefix="egdtest-016-") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["ent", "-t", f.name], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    header, values = [line.split(",") for line in out.strip().splitlines()[:2]]
    return {k: float(v) for k, v in zip(header[2:], values[2:])}


def problems(data, blocks=BLOCKS):
    """Every bound the data violates, as text; [] for data that looks random."""
    found = []
    failures, out = rngtest(data, blocks)
    if failures > MAX_FIPS_FAILURES * blocks / BLOCKS:
        found.append("rngtest: %d of %d blocks failed FIPS 140-2" % (failures, blocks))
    e = ent(data)
    if e["Chi-square"] >= MAX_CHI_SQUARE:
        found.append("ent chi-square %.1f" % e["Chi-square"])
    if e["Entropy"] <= MIN_ENTROPY:
        found.append("ent entropy %.6f" % e["Entropy"])
    if abs(e["Mean"] - 127.5) >= MAX_MEAN_OFFSET:
        found.append("ent mean %.4f" % e["Mean"])
    if abs(e["Serial-Correlation"]) >= MAX_SERIAL:
        found.append("ent serial correlation %.6f" % e["Serial-Correlation"])
    print("\n  rngtest failures %d/%d, ent %s" % (failures, blocks, e), end="")
    return found


def fetch(egd, n):
    """n bytes over EGD with pipelined blocking reads (02 255)."""
    out = bytearray()
    with egd.connect(timeout=20) as s:
        while len(out) < n:
            sizes = []
            while len(out) + sum(sizes) < n and len(sizes) < 64:
                sizes.append(min(255, n - len(out) - sum(sizes)))
            s.sendall(b"".join(bytes([2, k]) for k in sizes))
            out += recv_exact(s, sum(sizes))
    return bytes(out)


def biased(n, p_one):
    """n bytes whose bits are independently 1 with probability p_one."""
    weights = [p_one ** bin(v).count("1") * (1 - p_one) ** (8 - bin(v).count("1"))
               for v in range(256)]
    return bytes(random.Random(n).choices(range(256), weights, k=n))


class ExternalCrossCheck(unittest.TestCase):
    def test_egdd_output_passes_rngtest_and_ent(self):
        for mode in ("raw", "conditioned"):
            with self.subTest(mode=mode), egdtest.workdir("egdtest-016-") as d:
                with egdtest.Egdd(d, source={"kind": "os"},
                                  extra='[output]\nmode = "%s"\n' % mode) as egd:
                    data = fetch(egd, NBYTES)
                    st = egd.status()
                self.assertEqual(st["alarms"], 0, st)
                self.assertEqual(st["output_mode"], mode)
                self.assertEqual(problems(data), [], "egdd's %s output" % mode)

    def test_defective_streams_fail(self):
        # p(1) = 0.55: every block fails monobit (11,000 ones expected, 10.6 sd beyond 10,275).
        found = problems(biased(4 + 100 * 2500, 0.55), blocks=100)
        for what in ("rngtest: 100 of 100", "entropy", "mean", "chi-square"):
            self.assertTrue(any(what in p for p in found), "%r not found in %s" % (what, found))
        # Each byte twice: uniform bytes, but neighbours equal half the time (r ~ 0.5).
        half = os.urandom(NBYTES // 2)
        doubled = bytes(b for pair in zip(half, half) for b in pair)
        self.assertTrue(any("serial" in p for p in problems(doubled)))


if __name__ == "__main__":
    missing = [tool for tool in ("rngtest", "ent") if not shutil.which(tool)]
    if missing:
        print("SKIP: %s not installed (apt-get install -y rng-tools5 ent)" % " and ".join(missing))
        sys.exit(77)
    unittest.main(verbosity=2)
