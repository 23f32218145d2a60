#!/usr/bin/env python3
"""112-fault-kill-restart: clients killed mid-read, and egdd itself stopped and killed
under load, never make egdd serve a byte twice or lose bytes it had not handed out.

egdd reads an `hwrng` source on a FIFO that the test feeds with distinct random data,
so every byte any client gets can be placed in what was fed: two clients (or one client
twice) holding the same byte would show as overlapping chunks.

Client killed: 7 client processes do blocking reads (`02 200`, one at a time; one of them
`02 255` twenty deep, reading slowly) alongside 4 in-process clients (`02 64` loops). Two
are killed (SIGKILL) while their reads wait on an empty pool, the others one by one while
data flows. egdd must notice each death (clients and waiting readers drop), hand the bytes
that were reserved for them to others, and in the end: fed = served (nothing kept back),
no byte was served twice, and the only bytes nobody holds are those already written
towards a killed process (at most its outstanding requests).

egdd restarted: 6 clients loop on `02 64` and reconnect whenever their connection fails.
egdd is stopped with SIGTERM and started again, then killed with SIGKILL and started again,
on the same port and sockets. Every client must get bytes from all three egdd processes
(it reconnected), and no byte is served twice across the restarts. While egdd is down the
test empties the FIFO (the device's output while nobody listens is simply lost) so that
the next egdd's startup test begins at a block boundary of the test data.

egdd restarted on a `file` source: with `[source] offset_file` the replay resumes after
the bytes the previous egdd had taken (served or pooled), across SIGTERM and SIGKILL, so
no byte of the capture is served twice; a damaged offset file stops the source with a
message instead of replaying from the start; without one, egdd refuses the
configuration unless it says `replay = true`, and then warns that a restart replays
the capture.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from faulttest import (connect_retrying, egdtest, place_chunks, recv_some,  # noqa: E402
                       wait_status)
from egdtest import GRAIN, Fifo, healthy_random, prime_and_drain, wait_for  # noqa: E402

# A client process: connects, keeps `depth` blocking reads of `size` bytes queued, appends
# everything it receives to `out` unbuffered; prints "ready" once its first requests went.
VICTIM = r"""
import os, socket, sys, time
kind, addr, out, size, depth, pause = sys.argv[1:7]
size, depth, pause = int(size), int(depth), float(pause)
s = socket.socket(socket.AF_UNIX) if kind == "unix" else socket.socket()
s.connect(addr if kind == "unix" else ("127.0.0.1", int(addr)))
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
s.sendall(bytes([2, size]) * depth)
print("ready", flush=True)
got = 0
while True:
    data = s.recv(1024)
    if not data:
        sys.exit(1)
    os.write(fd, data)
    done = (got + len(data)) // size - got // size
    got += len(data)
    if done:
        s.sendall(bytes([2, size]) * done)
    time.sleep(pause)
"""


class Survivor(egdtest.BlockingReader):
    """Loops `02 size` on one connection until `stop`; records each answer."""

    def __init__(self, egd, unix, size, name):
        super().__init__(egd.connect(unix=unix), size)
        self.label = name
        self.chunks = []

    def answer(self, data):
        self.chunks.append((self.label, data))


def start_on_fifo(test, d):
    """egdd on an `hwrng` FIFO the test feeds, primed and with an empty pool."""
    fifo = Fifo(os.path.join(d, "hwrng"))
    test.addCleanup(fifo.close)
    egd = egdtest.Egdd(d, source={"kind": "hwrng", "path": fifo.path}).start()
    test.addCleanup(egd.kill)
    prime_and_drain(egd, fifo)
    return fifo, egd


class KillClientTest(unittest.TestCase):
    def test_client_killed_mid_read(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-112-") as d:
            fifo, egd = start_on_fifo(self, d)
            self.run_kills(d, egd, fifo)
            self.assertEqual(egd.stop(), 0, "egdd exit code")

    def start_victim(self, d, egd, i, size, depth, pause):
        unix = i % 2 == 1
        out = os.path.join(d, "victim%d.bin" % i)
        p = subprocess.Popen([sys.executable, "-c", VICTIM, "unix" if unix else "tcp",
                              egd.unix_path if unix else str(egd.port), out, str(size),
                              str(depth), str(pause)], stdout=subprocess.PIPE)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(), p.stdout.close()))
        self.assertEqual(p.stdout.readline(), b"ready\n")
        return p, out, size, depth

    def run_kills(self, d, egd, fifo):
        served0 = egd.status()["bytes_served"]
        specs = [(200, 1, 0.0)] * 6 + [(255, 20, 0.05)]
        victims = [self.start_victim(d, egd, i, *spec) for i, spec in enumerate(specs)]
        survivors = [Survivor(egd, i % 2 == 1, 64, "survivor%d" % i) for i in range(4)]
        for s in survivors:
            s.start()
        wait_for(lambda: egd.status()["waiting_readers"] == 11, "11 reads waiting")
        for p, *_ in victims[:2]:     # killed while their reads wait on an empty pool
            p.kill()
            p.wait()
        wait_for(lambda: egd.status()["waiting_readers"] == 9, "egdd saw 2 clients die")
        self.assertEqual(egd.status()["clients"], 9)
        fed = bytearray()
        for n in range(30):
            fed += fifo.feed(GRAIN)
            if n % 5 == 4 and n < 25:  # one more victim dies mid-stream
                p = victims[2 + n // 5][0]
                p.kill()
                p.wait()
            time.sleep(0.1)
        wait_for(lambda: egd.status()["clients"] == 4, "egdd saw every victim die")
        wait_for(lambda: egd.status()["bytes_received"] == fifo.written, "egdd read everything")
        for s in survivors:
            s.stop.set()
        fed += fifo.feed(GRAIN)       # completes the survivors' last reads
        for s in survivors:
            s.join(10)
        self.assertEqual([s.error for s in survivors if s.error], [])
        wait_for(lambda: egd.status()["clients"] == 0, "survivors gone")
        rest = egdtest.drain_pool(egd)
        st = egd.status()
        self.assertIsNone(egd.proc.poll(), "egdd died")
        self.check_accounting(st, served0, bytes(fed), victims, survivors, rest)

    def check_accounting(self, st, served0, fed, victims, survivors, rest):
        self.assertEqual((st["pool_bytes"], st["pool_reserved"], st["waiting_readers"]), (0, 0, 0))
        self.assertEqual(st["alarms"], 0)
        self.assertEqual(st["bytes_served"] - served0, len(fed), "fed bytes not all served")
        chunks = [c for s in survivors for c in s.chunks] + [("drain", rest)]
        for i, (p, out, size, depth) in enumerate(victims):
            got = b""
            if os.path.exists(out):
                with open(out, "rb") as f:
                    got = f.read()
            if i < 2:
                self.assertEqual(got, b"", "victim %d was killed before any data came" % i)
            chunks += [("victim%d" % i, got[k:k + size]) for k in range(0, len(got), size)]
        placed, gaps = place_chunks(fed, chunks)
        held = sum(len(c) for _, c in chunks)
        lost = len(fed) - held
        bound = sum(size * depth for _, _, size, depth in victims[2:])
        print("\nfed %d bytes; held by clients %d; written towards killed clients %d "
              "(bound %d)" % (len(fed), held, lost, bound), end="")
        self.assertGreaterEqual(lost, 0)
        self.assertEqual(sum(map(len, gaps)), len(fed) - sum(hi - lo for lo, hi, _ in placed))
        self.assertLessEqual(lost, bound, "bytes lost beyond what was written to killed clients")
        for label, c in chunks:
            if 0 < len(c) < 8:
                self.assertTrue(any(c in g for g in gaps), "%s: short chunk fits no gap" % label)


class Feeder(threading.Thread):
    """Writes GRAIN-sized chunks of fresh test data to the FIFO while not paused."""

    def __init__(self, fifo):
        super().__init__(daemon=True)
        self.fifo = fifo
        self.fed = bytearray()
        self.lock = threading.Lock()   # held while writing, and while paused
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            data = healthy_random(GRAIN)
            with self.lock:
                self.fifo.write(data)
                self.fed += data
            time.sleep(0.02)


class Reconnector(threading.Thread):
    """Loops `02 64`, reconnecting whenever the connection fails; asks egdd's pid (04)
    after each connect, and records every byte received with that pid."""

    def __init__(self, egd, unix, label, deadline):
        super().__init__(daemon=True)
        self.egd, self.unix, self.label, self.deadline = egd, unix, label, deadline
        self.chunks = []            # (label, bytes)
        self.by_pid = {}            # egdd pid -> bytes received from it
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                with connect_retrying(self.egd, self.unix, self.deadline) as s:
                    self.session(s)
        except Exception as e:  # reported by the test
            self.error = e

    def session(self, s):
        try:
            s.sendall(b"\x04")
            n, ok = recv_some(s, 1)
            pid, ok = recv_some(s, n[0]) if ok else (b"", False)
        except OSError:
            return
        if not ok:
            return
        while not self.stop.is_set():
            try:
                s.sendall(b"\x02\x40")
            except OSError:
                return
            data, complete = recv_some(s, 64)
            if data:
                self.chunks.append((self.label, data))
                self.by_pid[int(pid)] = self.by_pid.get(int(pid), 0) + len(data)
            if not complete:
                return


class RestartTest(unittest.TestCase):
    def test_egdd_restarted_under_load(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-112-") as d:
            fifo, egd = start_on_fifo(self, d)
            feeder = Feeder(fifo)
            clients = [Reconnector(egd, i % 2 == 1, "client%d" % i, time.time() + 60)
                       for i in range(6)]
            try:
                feeder.start()
                for c in clients:
                    c.start()
                pids = [egd.proc.pid]
                for how in (signal.SIGTERM, signal.SIGKILL):
                    self.wait_all_served_by(clients, pids[-1])
                    pids.append(self.restart(egd, fifo, feeder, how))
                self.wait_all_served_by(clients, pids[-1])
                for c in clients:
                    c.stop.set()
                for c in clients:
                    c.join(20)    # the feeder completes their last reads
            finally:
                feeder.done.set()
                feeder.join(10)
            self.assertEqual([c.error for c in clients if c.error], [])
            self.assertEqual(egd.stop(), 0, "egdd exit code after the restarts")
            log = egd.log_text()
        chunks = [ch for c in clients for ch in c.chunks]
        placed, gaps = place_chunks(bytes(feeder.fed), chunks)
        print("\nfed %d bytes; clients got %d in %d chunks; per client and egdd pid: %s"
              % (len(feeder.fed), sum(len(ch) for _, ch in chunks), len(chunks),
                 [sorted(c.by_pid.values()) for c in clients]), end="")
        for label, ch in chunks:
            if len(ch) < 8:
                self.assertTrue(any(ch in g for g in gaps), "%s: short chunk fits no gap" % label)
        self.assertNotRegex(log, "cannot listen|exists and is not a socket")

    def wait_all_served_by(self, clients, pid):
        """Lets egdd `pid` serve for a second at least, and every client 50 answers."""
        time.sleep(1.0)
        wait_for(lambda: all(c.by_pid.get(pid, 0) >= 64 * 50 for c in clients),
                 "every client served by egdd %d" % pid, timeout=30)

    def restart(self, egd, fifo, feeder, how):
        """Stops egdd with `how` while the feeder is paused, empties the FIFO, starts egdd
        again on the same addresses; returns the new pid."""
        with feeder.lock:
            old = egd.proc.pid
            if how == signal.SIGTERM:
                self.assertEqual(egd.stop(), 0, "egdd exit code on SIGTERM")
            else:
                egd.kill()
                self.assertEqual(egd.proc.returncode, -signal.SIGKILL)
            drained = drain_fifo(fifo)
            egd.start()
            wait_status(egd)
        print("\negdd %d stopped by %s (%d unread bytes dropped from the FIFO), now %d"
              % (old, signal.Signals(how).name, drained, egd.proc.pid), end="")
        self.assertNotEqual(egd.proc.pid, old)
        return egd.proc.pid


class FileOffsetTest(unittest.TestCase):
    """A capture replayed once across restarts: pool and reads small, so the file lasts."""

    def start(self, d, source, **kw):
        egd = egdtest.Egdd(d, source=dict({"kind": "file", "path": self.src, "read_size": 1024},
                                          **source), extra="[pool]\nsize_bytes = 4096\n", **kw)
        self.addCleanup(egd.kill)
        return egd.start()

    def read_at(self, egd, n=250):
        """Reads n bytes; returns their offset in the capture."""
        with socket.create_connection(("127.0.0.1", egd.port), timeout=10) as s:
            got = egdtest.egd_read_blocking(s, n)
        at = self.data.find(got)
        self.assertGreaterEqual(at, 0, "served bytes are not a range of the capture")
        return at

    def test_restart_resumes_after_taken_bytes(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-112-") as d:
            self.src = os.path.join(d, "capture.bin")
            self.data = egdtest.write_random_file(self.src, 256 * 1024)
            offset_file = os.path.join(d, "offset")
            egd = self.start(d, {"offset_file": offset_file})
            ends = []
            for how in (signal.SIGTERM, signal.SIGKILL, None):
                at = self.read_at(egd)
                if ends:
                    self.assertGreaterEqual(at, ends[-1], "a restarted egdd served bytes again")
                ends.append(at + 250)
                taken = int(read_text(offset_file))
                self.assertGreaterEqual(taken, ends[-1], "offset file behind the bytes served")
                if how == signal.SIGTERM:
                    self.assertEqual(egd.stop(), 0)
                elif how == signal.SIGKILL:
                    egd.kill()
                if how:
                    egd.start()
            print("\nreads ended at %s of %d; offset file %d" % (ends, len(self.data), taken), end="")
            self.assertEqual(egd.stop(), 0)
            self.assertNotIn("offset_file is not set", egd.log_text())

    def test_damaged_offset_file_stops_the_source(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-112-") as d:
            self.src = os.path.join(d, "capture.bin")
            self.data = egdtest.write_random_file(self.src, 64 * 1024)
            offset_file = os.path.join(d, "offset")
            with open(offset_file, "w") as f:
                f.write("twelve\n")
            egd = self.start(d, {"offset_file": offset_file})
            wait_for(lambda: "does not hold a byte offset" in egd.log_text(), "an error in the log")
            status = egd.status()
            self.assertNotEqual(status["state"], "running")
            self.assertEqual(status["bytes_received"], 0, "egdd read the capture anyway")
            self.assertEqual(read_text(offset_file), "twelve\n")

    def test_without_offset_file_refused_unless_replay(self):
        with tempfile.TemporaryDirectory(prefix="egdtest-112-") as d:
            self.src = os.path.join(d, "capture.bin")
            self.data = egdtest.write_random_file(self.src, 64 * 1024)
            egd = egdtest.Egdd(d, source={"kind": "file", "path": self.src, "replay": False})
            r = egdtest.check_config(egdtest.EGDD, egd.config)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertRegex(r.stderr, r'egdd\.toml:2: source\.kind: "file" needs offset_file so '
                             r"that a restart never serves the capture's bytes again, or "
                             r"replay = true \(tests, demos\)")
            with self.assertRaises(RuntimeError):   # egdd exits 1: no bytes served
                egd.start()
            self.assertEqual(egd.proc.returncode, 1)
            egd = self.start(d, {"replay": True})
            self.read_at(egd)
            self.assertIn("replay = true and offset_file is not set", egd.log_text())


def read_text(path):
    with open(path) as f:
        return f.read()


def drain_fifo(fifo):
    """Reads whatever the stopped egdd left in the FIFO; returns how many bytes."""
    os.set_blocking(fifo.fd, False)
    n = 0
    try:
        while True:
            n += len(os.read(fifo.fd, 65536))
    except BlockingIOError:
        return n
    finally:
        os.set_blocking(fifo.fd, True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
