#!/usr/bin/env python3
"""011-egd-uniqueness: every byte is served to exactly one client, once.

32 concurrent clients drain a 2 MB `file` source (twice the pool) with a mix
of blocking (02 N) and non-blocking (01 N) reads. Afterwards each received
chunk must sit in the file, the chunks must tile the tested part of the file
exactly (no overlap, no gap, nothing of the untested tail), every client's
chunks must come in file order, and egdd's counters must agree.

Every request is budgeted at its maximum size before it is sent, and the sum
of budgets never exceeds the bytes the file will yield, so no blocking read can
be left waiting forever at EOF (egdd serves queued reads whole and in order).
"""
import os
import random
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import GRAIN, healthy_random  # noqa: E402

CLIENTS = 32
# egdd releases bytes only when every test window covering them is complete (100-byte total
# failure chunks, 128- or 512-byte APT windows); GRAIN is a multiple of all of them.
SERVED = 164 * GRAIN         # 2,099,200 bytes: twice the default pool
FILE_SIZE = SERVED + 52      # the last, incomplete window is never served
SIZES = (1, 7, 16, 32, 100, 128, 200, 255)
DEADLINE = 20.0
SHORT = 8                    # chunks shorter than this are placed by elimination


class Ledger:
    """Shared budget: `committed` counts every request at its maximum while outstanding and a
    non-blocking one at what it got once answered; it never exceeds SERVED."""

    def __init__(self):
        self.lock = threading.Lock()
        self.committed = 0
        self.received = 0
        self.chunks = []         # (estimated offset, client, seq, bytes)

    def reserve(self, n, partial):
        """Reserves n bytes (or, if partial, as many as fit); returns the amount reserved."""
        with self.lock:
            n = min(n, SERVED - self.committed) if partial else n
            if n <= 0 or self.committed + n > SERVED:
                return 0
            self.committed += n
            return n

    def settle(self, reserved, got):
        with self.lock:
            self.committed -= reserved - got

    def record(self, client, seq, chunk):
        with self.lock:
            self.chunks.append((self.received, client, seq, chunk))
            self.received += len(chunk)
            return self.received >= SERVED


def client(egd, ledger, idx, errors, stop):
    rng = random.Random(idx)
    seq = 0
    try:
        with egd.connect(unix=idx % 4 == 0, timeout=DEADLINE + 5) as s:
            while not stop.is_set():
                n, blocking = rng.choice(SIZES), rng.random() < 0.5
                n = ledger.reserve(n, partial=not blocking)
                if n == 0:
                    with ledger.lock:
                        if ledger.received >= SERVED:
                            return
                    time.sleep(0.002)
                    continue
                if blocking:
                    chunk = egdtest.egd_read_blocking(s, n)
                else:
                    chunk = egdtest.egd_read_nonblocking(s, n)
                    ledger.settle(n, len(chunk))
                if chunk:
                    if ledger.record(idx, seq, chunk):
                        return
                    seq += 1
                else:
                    time.sleep(0.002)
    except Exception as e:  # reported by the main thread
        errors.append("client %d: %r" % (idx, e))


class UniquenessTest(unittest.TestCase):
    def test_every_byte_served_once(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-011-") as d:
            path = os.path.join(d, "random.bin")
            data = healthy_random(FILE_SIZE)
            with open(path, "wb") as f:
                f.write(data)
            with egdtest.Egdd(d, source={"kind": "file", "path": path}) as egd:
                ledger, errors, stop = Ledger(), [], threading.Event()
                threads = [threading.Thread(target=client, args=(egd, ledger, i, errors, stop))
                           for i in range(CLIENTS)]
                t0 = time.time()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(max(0.1, DEADLINE - (time.time() - t0)))
                stop.set()
                for t in threads:
                    t.join(10)
                elapsed = time.time() - t0
                print("\n%d chunks, %d bytes in %.2f s" % (len(ledger.chunks), ledger.received,
                                                            elapsed))
                self.assertEqual(errors, [])
                st = egd.status()
                with egd.connect() as s:
                    self.assertEqual(egdtest.egd_read_nonblocking(s, 255), b"", "pool not empty")
                log = egd.log_text()
            self.assertEqual(ledger.received, SERVED, "bytes received by all clients together")
            self.assertEqual(st["bytes_served"], ledger.received)
            self.assertEqual(st["pool_bytes"], 0)
            self.assertEqual(st["entropy_bits"], 0)
            self.assertEqual(st["alarms"], 0, log)
            self.assertEqual(st["bytes_received"], FILE_SIZE)
            self.check_tiling(data, ledger.chunks)

    def check_tiling(self, data, chunks):
        placed, short = [], []
        for est, cl, seq, chunk in chunks:
            if len(chunk) < SHORT:
                short.append(chunk)
                continue
            off = data.find(chunk, max(0, est - 32768), est + 32768)
            if off == -1:
                off = data.find(chunk)
            self.assertNotEqual(off, -1, "client %d chunk %d (%d bytes) is not in the file"
                                % (cl, seq, len(chunk)))
            placed.append((off, off + len(chunk), cl, seq))
        placed.sort()
        for a, b in zip(placed, placed[1:]):
            self.assertLessEqual(a[1], b[0], "chunks overlap: %r and %r" % (a, b))
        if placed:
            self.assertLessEqual(placed[-1][1], SERVED, "untested tail bytes were served")
        # Gaps between placed chunks must be exactly the short chunks.
        gaps, pos = [], 0
        for lo, hi, _, _ in placed + [(SERVED, SERVED, None, None)]:
            if lo > pos:
                gaps.append(data[pos:lo])
            pos = max(pos, hi)
        self.assertEqual(sum(map(len, gaps)), sum(map(len, short)), "bytes lost or duplicated")
        for chunk in short:
            self.assertTrue(any(chunk in g for g in gaps), "short chunk %r fits no gap" % chunk)
        # Raw mode keeps source order for each client.
        last = {}
        for lo, hi, cl, seq in sorted(placed, key=lambda p: (p[2], p[3])):
            self.assertGreater(lo, last.get(cl, -1), "client %d got chunk %d out of order"
                               % (cl, seq))
            last[cl] = lo


if __name__ == "__main__":
    unittest.main(verbosity=2)
