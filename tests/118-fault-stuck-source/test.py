#!/usr/bin/env python3
"""118-fault-stuck-source: a blocking source stuck inside read(2) never stalls egdd.

egdd reads an hwrng source: a FIFO that, through an LD_PRELOAD shim (no_poll_shim.c),
behaves like /dev/hwrng, a character device without poll: egdd's reader thread passes
poll at once and then sits in read(2) until data comes. The test fills part of the pool,
then writes nothing more: the reader is stuck in read(2) (seen in /proc/PID/task/*/syscall).
Then each of these returns within 100 ms while a client keeps reading from the pool (every
one of its round trips also within 100 ms):
- `shutdown` on the control socket (the source is closed while its read is stuck);
- a reload (SIGHUP) that replaces the source by another FIFO (the old one stays stuck);
- a health alarm: zeros written into the stuck read end it, the health tests fire, the
  source is closed (egdd's output then stops, by design, so the client's `00` answers
  0 and its `01` returns nothing, promptly). An alarm always comes from the data of the
  read that just returned, and egdd has one read outstanding at a time, so here the
  closing is of a reader between reads; the stuck-read close itself is what shutdown
  and reload show.
"""
import json
import os
import signal
import struct
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import GRAIN, recv_exact, wait_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 0.1  # s


def build_shim():
    return egdtest.build_shim(os.path.join(HERE, "no_poll_shim.c"))


def readers_in_read(pid, path):
    """Threads of `pid` blocked in read(2) on a descriptor of `path`."""
    fds = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path:
                fds.add(int(fd))
        except OSError:
            pass
    n = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/syscall" % (pid, tid)) as f:
                call = f.read().split()
        except OSError:
            continue
        if len(call) > 1 and call[0] == "0" and int(call[1], 16) in fds:
            n += 1
    return n


def control(path, command):
    """One control command on a raw socket (no egdctl process to start): the reply."""
    return json.loads(egdtest.unix_line(path, command, timeout=5))


class Probe:
    """A client doing round trips (`01 16`, or `00`) in a thread; each one's time is kept."""

    def __init__(self, egd, command=b"\x01\x10"):
        self.sock = egd.connect(timeout=5)
        self.command = command
        self.trips = []  # (start, seconds, bytes served or entropy count)
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            while not self.stop.is_set():
                t = time.monotonic()
                self.sock.sendall(self.command)
                if self.command[0] == 1:
                    value = len(recv_exact(self.sock, recv_exact(self.sock, 1)[0]))
                else:
                    value = struct.unpack(">I", recv_exact(self.sock, 4))[0]
                self.trips.append((t, time.monotonic() - t, value))
                time.sleep(0.002)
        except Exception as e:  # noqa: BLE001
            self.error = e

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: len(self.trips) >= 3, "probe round trips")
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)
        self.sock.close()

    def during(self, t0, t1):
        return [trip for trip in self.trips if t0 - 0.01 <= trip[0] <= t1 + 0.01]


class StuckSourceTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="egdtest-118-")
        self.addCleanup(tmp.cleanup)
        self.a = egdtest.Fifo(os.path.join(tmp.name, "a.fifo"))
        self.b = egdtest.Fifo(os.path.join(tmp.name, "b.fifo"))
        self.addCleanup(self.a.close)
        self.addCleanup(self.b.close)
        self.egd = egdtest.Egdd(tmp.name, source={"kind": "hwrng", "path": self.a.path},
                                extra='[pool]\nsize_bytes = 65536\n\n[health]\non_alarm = "stop"\n')
        env = {"LD_PRELOAD": build_shim(), "EGD_NO_POLL": self.a.path + ":" + self.b.path}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            self.egd.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k)
                else:
                    os.environ[k] = v
        # Exit 0 with a reader thread still stuck in read(2) (and, in the sanitizer
        # builds, no report at exit).
        self.addCleanup(lambda: self.assertEqual(self.egd.stop(), 0, "egdd's exit code"))
        # Part of the pool filled; egdd asks for more and its reader sits in read(2).
        self.a.feed(2 * GRAIN)
        wait_for(lambda: self.egd.status()["pool_bytes"] >= GRAIN, "pool filled")
        self.wait_stuck(self.a.path)

    def wait_stuck(self, path):
        wait_for(lambda: readers_in_read(self.egd.proc.pid, path) >= 1,
                 "egdd's reader blocked in read(2) on %s" % path)

    def check_served(self, probe, t0, t1, want_bytes=True):
        trips = probe.during(t0, t1)
        self.assertIsNone(probe.error)
        self.assertTrue(trips, "no round trip while the operation ran")
        slowest = max(t for _, t, _ in trips)
        self.assertLess(slowest, LIMIT, "a client waited %.3f s" % slowest)
        if want_bytes:
            self.assertTrue(all(v > 0 for _, _, v in trips), "a client got no bytes: %r" % trips)
        print(" [%d round trips, slowest %.1f ms]" % (len(trips), slowest * 1000), end="")

    def test_shutdown_returns_at_once(self):
        with Probe(self.egd) as probe:
            t0 = time.monotonic()
            reply = control(self.egd.control, "shutdown")
            t1 = time.monotonic()
            time.sleep(0.05)
        self.assertTrue(reply["ok"], reply)
        self.assertEqual(reply["state"], "standby")
        self.assertLess(t1 - t0, LIMIT, "shutdown took %.3f s" % (t1 - t0))
        print("\nshutdown: %.1f ms" % ((t1 - t0) * 1000), end="")
        self.check_served(probe, t0, t1 + 0.05)
        self.assertGreaterEqual(readers_in_read(self.egd.proc.pid, self.a.path), 1,
                                "the old read ended: the test did not test a stuck read")

    def test_reload_to_another_source_returns_at_once(self):
        with open(self.egd.config) as f:
            text = f.read()
        with open(self.egd.config, "w") as f:
            f.write(text.replace(self.a.path, self.b.path))
        with Probe(self.egd) as probe:
            before = self.egd.log_text().count("configuration reloaded")
            t0 = time.monotonic()
            self.egd.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: self.egd.log_text().count("configuration reloaded") > before,
                     "reload logged", timeout=5)
            t1 = time.monotonic()
            status = control(self.egd.control, "status")
            t2 = time.monotonic()
            time.sleep(0.05)
        self.assertLess(t1 - t0, LIMIT, "the reload took %.3f s" % (t1 - t0))
        self.assertLess(t2 - t1, LIMIT)
        self.assertIn(self.b.path, status["source"])
        print("\nreload: %.1f ms" % ((t1 - t0) * 1000), end="")
        self.check_served(probe, t0, t2 + 0.05)
        self.wait_stuck(self.b.path)  # the new source reads (and waits) in its turn

    def test_alarm_returns_at_once(self):
        with Probe(self.egd, b"\x00") as probe:
            t0 = time.monotonic()
            self.a.write(bytes(200))  # ends the stuck read with zeros: total failure
            wait_for(lambda: control(self.egd.control, "status")["state"] == "failed",
                     "state failed", timeout=5)
            t1 = time.monotonic()
            time.sleep(0.05)
        self.assertLess(t1 - t0, LIMIT, "the alarm took %.3f s to show" % (t1 - t0))
        print("\nalarm: %.1f ms" % ((t1 - t0) * 1000), end="")
        self.check_served(probe, t0, t1 + 0.05, want_bytes=False)
        self.assertEqual(probe.trips[-1][2], 0, "00 must answer 0 once output stopped")
        status = control(self.egd.control, "status")
        self.assertTrue(status["output_stopped"])
        self.assertRegex(status["last_alarm"], "^(total_failure|repetition_count|adaptive_proportion)")


if __name__ == "__main__":
    unittest.main()
