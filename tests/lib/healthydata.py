# SPDX-License-Identifier: Apache-2.0
"""Test data that egdd's health tests accept with certainty (healthy_random), and the
FIPS 140-2 block tests it is checked with (GRAIN and healthy_random are egdtest's too).
"""
import collections
import os
import re

# egdd releases a byte only when every test window covering it is complete (100-byte
# total failure chunks, 128-byte (bit samples) or 512-byte (byte samples) APT windows):
# data fed in multiples of GRAIN is released whole.
GRAIN = 12800
FIPS_BLOCK = 2500   # 20,000 bits: one FIPS 140-2 / AIS 31 T1-T4 block, egdd's startup window

# Bounds for runs of length 1, 2, 3, 4, 5, 6+: the 2001-10-10 change notice (rngtest's and
# egdd's startup test) and the tighter original table, which implies it.
FIPS_RUNS_NOTICE1 = ((2315, 2685), (1114, 1386), (527, 723), (240, 384), (103, 209), (103, 209))
FIPS_RUNS_ORIGINAL = ((2343, 2657), (1135, 1365), (542, 708), (251, 373), (111, 201), (111, 201))
_HIGH_NIBBLE = bytes(b >> 4 for b in range(256))
_LOW_NIBBLE = bytes(b & 15 for b in range(256))
_BYTE_RUN = re.compile(rb"(.)\1{4}", re.DOTALL)


def _runs_at_least(x, kmax):
    """[N(>=1), ..., N(>=kmax)]: the number of runs of set bits in x at least that long."""
    tops = ~(x >> 1)              # the bit above is clear: a run may have its top here
    a, out = x, []
    for k in range(1, kmax + 1):
        if k > 1:
            a &= x << (k - 1)     # bits k-1 below are set as well
        out.append((a & tops).bit_count())
    return out


def fips_140_2_failures(block, runs_table=FIPS_RUNS_NOTICE1):
    """The FIPS 140-2 block tests (monobit, poker, runs, long run) on 2,500 bytes, bits most
    significant first; returns the names of the failing tests ([] = pass)."""
    assert len(block) == FIPS_BLOCK
    fails = []
    x = int.from_bytes(block, "big")
    if not 9725 < x.bit_count() < 10275:
        fails.append("monobit")
    hi, lo = block.translate(_HIGH_NIBBLE), block.translate(_LOW_NIBBLE)
    poker = 16 / 5000 * sum((hi.count(i) + lo.count(i)) ** 2 for i in range(16)) - 5000
    if not 2.16 < poker < 46.17:
        fails.append("poker")
    bad_runs = long_run = False
    for v in (x, x ^ ((1 << 8 * FIPS_BLOCK) - 1)):   # runs of ones, then of zeros
        ge = _runs_at_least(v, 26)
        exact = [ge[k] - ge[k + 1] for k in range(5)] + [ge[5]]
        bad_runs |= any(not a <= n <= b for n, (a, b) in zip(exact, runs_table))
        long_run |= ge[25] > 0
    if bad_runs:
        fails.append("runs")
    if long_run:
        fails.append("long_run")
    return fails


def _healthy_block(prev_tail):
    """os.urandom blocks, redrawn until every health test egdd may run accepts them."""
    while True:
        block = os.urandom(FIPS_BLOCK)
        junction = prev_tail + block[:4]
        j = int.from_bytes(junction, "big")
        if (fips_140_2_failures(block, FIPS_RUNS_ORIGINAL)   # startup test, no 26-bit run
                or _BYTE_RUN.search(block) or _BYTE_RUN.search(junction)
                or _runs_at_least(j, 26)[25]
                or _runs_at_least(j ^ ((1 << 8 * len(junction)) - 1), 26)[25]
                or any(max(collections.Counter(block[i:i + 100]).values()) > 6
                       for i in range(0, FIPS_BLOCK, 100))):
            continue
        return block


def healthy_random(n):
    """n random bytes that pass egdd's health tests with certainty at the default settings
    and at any alignment, not just with overwhelming probability: every 2,500-byte block
    from the start passes the FIPS 140-2 block tests (so a startup test on the first bytes
    after an init passes), every 100-byte chunk from the start holds no value more than 6
    times (so any 100 bytes hold none more than 12 times), no bit run reaches 26 and no byte
    run 5 (repetition count cutoffs 41 and 6). Chained permutations of 0..255 would be
    simpler but fail the FIPS poker test (they are too uniform); plain os.urandom fails a
    FIPS block test about once in 1,000 blocks."""
    out, tail = bytearray(), b""
    while len(out) < n:
        block = _healthy_block(tail)
        out += block
        tail = block[-4:]
    return bytes(out[:n])
