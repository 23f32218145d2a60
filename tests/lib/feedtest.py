# SPDX-License-Identifier: Apache-2.0
"""egd-feed as the tests run it (070, 061): a running egd-feed whose log lines are
stamped on arrival, optionally under the /dev/random recorder (rndshim.py), and the
checks of what it fed.

Binary from the environment (set by ctest): EGD_FEED.
"""
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from egdtest import check, fail  # noqa: E402
from rndshim import read_records  # noqa: E402

EGD_FEED = os.environ.get("EGD_FEED", os.path.join(HERE, "../../build/feed/egd-feed"))


class Feed:
    """A running egd-feed; stderr lines are read by a thread and stamped on arrival
    (time.monotonic, the clock the shim's records use too)."""

    def __init__(self, args, shim=None, log=None, mode="pass", prefix=()):
        env = dict(os.environ)
        if shim:
            env.update(LD_PRELOAD=shim, EGD_SHIM_LOG=log, EGD_SHIM_IOCTL=mode)
            # A sanitizer build must accept the shim ahead of its runtime.
            env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                         "verify_asan_link_order=0"]))
        self.args = args
        self.proc = subprocess.Popen(list(prefix) + [EGD_FEED] + args, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append((time.monotonic(), line.rstrip("\n")))

    def text(self):
        with self.lock:
            return "\n".join(line for _, line in self.lines)

    def matching(self, pattern):
        rx = re.compile(pattern)
        with self.lock:
            return [(t, line, m) for t, line in self.lines for m in [rx.search(line)] if m]

    def wait_line(self, pattern, timeout=10, count=1):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.matching(pattern)
            if len(found) >= count:
                return found
            if self.proc.poll() is not None:
                self.reader.join(2)
                fail("egd-feed exited %d while waiting for /%s/:\n%s"
                     % (self.proc.returncode, pattern, self.text()))
            time.sleep(0.02)
        fail("egd-feed logged /%s/ %d times, expected %d, within %ds:\n%s"
             % (pattern, len(self.matching(pattern)), count, timeout, self.text()))

    def reload(self, config, text, logged):
        """Writes `text` to the configuration file `config`, sends SIGHUP and waits until
        egd-feed logs a line matching `logged`."""
        with open(config, "w") as f:
            f.write(text)
        self.proc.send_signal(signal.SIGHUP)
        return self.wait_line(logged)

    def stop(self, timeout=5):
        """SIGTERM; fails the test unless egd-feed exits 0 within `timeout` s."""
        if self.proc.poll() is None:
            t0 = time.time()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                fail("egd-feed did not stop within %ds of SIGTERM:\n%s" % (timeout, self.text()))
            self.stop_seconds = time.time() - t0
        self.reader.join(5)
        check(self.proc.returncode == 0,
              "egd-feed exited %d after SIGTERM:\n%s" % (self.proc.returncode, self.text()))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def proc_status(pid):
    """/proc/PID/status as a dict: CapEff, NoNewPrivs, Uid, ..."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def wait_records(log, n, feed, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        recs = read_records(log)
        if len(recs) >= n:
            return recs
        if feed.proc.poll() is not None:
            fail("egd-feed exited %d after %d feeds:\n%s" % (feed.proc.returncode, len(recs), feed.text()))
        time.sleep(0.02)
    fail("only %d of %d feeds within %ds:\n%s" % (len(read_records(log)), n, timeout, feed.text()))


def check_fed(records, source, bits_per_byte, what):
    """Every record: by write(2) when crediting nothing, else by RNDADDENTROPY; rc 0,
    credit = floor(bytes * bits_per_byte); all of them together one contiguous range
    of the source file (egdd raw mode serves file bytes in order, and egd-feed is its
    only client). Returns the offset."""
    call = "ioctl" if bits_per_byte > 0 else "write"
    for r in records:
        check(r.call == call, "%s: fed by %s, expected %s (credit %s)"
              % (what, r.call, call, bits_per_byte))
        check(r.size == len(r.data), "%s: buf_size %d but %d bytes" % (what, r.size, len(r.data)))
        check(r.rc == 0, "%s: RNDADDENTROPY returned %d, errno %d (%s)"
              % (what, r.rc, r.errno, os.strerror(r.errno)))
        want = math.floor(r.size * bits_per_byte)
        check(r.entropy == want, "%s: %d bytes credited %d bits, expected %d (%s bits/byte)"
              % (what, r.size, r.entropy, want, bits_per_byte))
        check(r.data in source, "%s: a fed chunk of %d bytes is not in egdd's source" % (what, r.size))
    stream = b"".join(r.data for r in records)
    offset = source.find(stream)
    check(offset >= 0, "%s: the %d bytes fed are not one contiguous range of the source, in order"
          % (what, len(stream)))
    return offset
