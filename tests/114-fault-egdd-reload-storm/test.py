#!/usr/bin/env python3
"""114-fault-egdd-reload-storm: 100 SIGHUPs, alternating valid and invalid configuration
files, while EGD clients read continuously.

egdd replays a capture (file source, raw output, with an offset file) to four clients
(TCP and unix) that read with `02` in a loop. The configuration file is rewritten before
each SIGHUP: every valid one changes live keys (the control socket moves between two
paths, an extra unix and TCP listener come and go, the log level, max_clients, unix_mode,
read_size and the pool size change, and the source path switches between the capture and
a symlink to it, so the source object itself is replaced); every invalid one fails at a
different step: an unknown key, a control socket in a missing directory, a listener on a
port that is taken, a serial port that does not exist, a changed source kind whose device
does not exist. egdd must never die; `egdctl status` must answer after every reload (on
the control socket of the configuration in force); no client may be disconnected; and
no byte may be served twice: every byte a client gets lies in the capture, and the
capture ranges of all responses of all clients are disjoint.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
from egdtest import recv_exact, wait_for  # noqa: E402

RELOADS = 100
CAPTURE = 4 << 20
READERS = 4
READ_SIZES = (64, 200, 17, 255)
READ_PAUSE = 0.01  # s between reads: the capture must outlast the storm
RELOAD_PAUSE = 0.02  # s between reloads: the readers make progress in between


class Readers:
    """Threads that read `02 N` in a loop until stopped; each keeps its responses."""

    def __init__(self, egd):
        self.stop = threading.Event()
        self.responses = [[] for _ in range(READERS)]
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(egd, i), daemon=True)
                        for i in range(READERS)]

    def run(self, egd, i):
        try:
            with egd.connect(unix=i % 2 == 1, timeout=20) as s:
                n = READ_SIZES[i]
                while not self.stop.is_set():
                    s.sendall(bytes([2, n]))
                    self.responses[i].append(recv_exact(s, n))
                    time.sleep(READ_PAUSE)
        except Exception as e:  # noqa: BLE001 (any failure is the finding)
            self.errors.append("reader %d: %r" % (i, e))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def capture_ranges(capture, responses):
    """[(start, end)] in the capture of every piece of every response, and the number of
    bytes that could not be placed. A response is one contiguous run of the pool, which
    may span a gap (bytes dropped when the source was replaced), so it is matched piece by
    piece: the longest of 16, 12, 8, 6, 4 bytes found, then extended byte by byte. Each
    client's responses come in capture order, so the search starts where its last piece
    ended. A fragment of 1-3 bytes just before a gap cannot be placed reliably; it is
    counted apart (at most one per replaced source)."""
    ranges, unplaced = [], 0
    for client in responses:
        at = 0
        for r in client:
            i = skipped = 0
            while i < len(r):
                pos = -1
                for n in (16, 12, 8, 6, 4):
                    if i + n <= len(r) and (pos := capture.find(r[i:i + n], at)) >= 0:
                        break
                if pos < 0:
                    skipped += 1
                    if skipped > 3 or i + 4 > len(r) and len(r) - i > 3:
                        raise AssertionError("bytes not in the capture after offset %d: %r"
                                             % (at, r[i:i + 16]))
                    unplaced += 1
                    i += 1
                    continue
                n = 4
                while i + n < len(r) and pos + n < len(capture) and r[i + n] == capture[pos + n]:
                    n += 1
                ranges.append((pos, pos + n))
                i += n
                at = pos + n
                skipped = 0
    return ranges, unplaced


class ReloadStormTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="egdtest-114-")
        self.addCleanup(tmp.cleanup)
        d = self.dir = tmp.name
        self.capture_path = os.path.join(d, "capture.bin")
        self.capture = egdtest.write_random_file(self.capture_path, CAPTURE)
        os.symlink(self.capture_path, os.path.join(d, "capture-link.bin"))
        os.mkdir(os.path.join(d, "ctl"))
        self.taken = socket.socket()
        self.taken.bind(("127.0.0.1", 0))
        self.taken.listen(1)
        self.addCleanup(self.taken.close)
        self.extra_port = egdtest.free_port()
        self.egd = egdtest.Egdd(d, source={"kind": "file", "path": self.capture_path})
        self.controls = [os.path.join(d, "control.sock"), os.path.join(d, "ctl", "control.sock")]
        self.write(self.valid(0))
        self.egd.start()
        self.addCleanup(self.egd.stop)

    def config(self, control, source, listen_extra=False, log="info", egd_keys=None,
               read_size=4096, pool=65536, bad_key=False):
        listen = ['"127.0.0.1:%d"' % self.egd.port, '"unix:%s"' % self.egd.unix_path]
        if listen_extra:
            listen += ['"unix:%s"' % os.path.join(self.dir, "extra.sock"),
                       '"127.0.0.1:%d"' % self.extra_port]
        lines = ["[source]"] + ["%s = %s" % (k, egdtest.toml_value(v)) for k, v in source.items()]
        lines += ["entropy_certified = true", "read_size = %d" % read_size, "", "[egd]", "listen = [%s]" % ", ".join(listen),
                  "max_clients_per_address = 64"]
        lines += ["%s = %s" % (k, egdtest.toml_value(v)) for k, v in (egd_keys or {}).items()]
        if bad_key:
            lines.append("no_such_key = 1")
        lines += ["", "[control]", "socket = %s" % egdtest.toml_value(control), "",
                  "[pool]", "size_bytes = %d" % pool, "", "[log]", 'level = "%s"' % log]
        return "\n".join(lines) + "\n"

    def file_source(self, link=False):
        path = os.path.join(self.dir, "capture-link.bin" if link else "capture.bin")
        return {"kind": "file", "path": path, "offset_file": os.path.join(self.dir, "offset")}

    def valid(self, k):
        """The k-th valid file: every live key differs from the (k-1)-th."""
        odd = k % 2 == 1
        return self.config(self.controls[k % 2], self.file_source(link=odd), listen_extra=odd,
                           log="notice" if odd else "info",
                           egd_keys={"max_clients": 64 if odd else 128,
                                     "unix_mode": "0660" if odd else "0666"},
                           read_size=1024 if odd else 4096, pool=32768 if odd else 65536)

    def invalid(self, k, control):
        """The k-th invalid file: each fails at another step of the reload."""
        src = self.file_source()
        missing = os.path.join(self.dir, "no-such-dir", "control.sock")
        taken = '"127.0.0.1:%d"' % self.taken.getsockname()[1]
        variants = [
            lambda: self.config(control, src, bad_key=True, log="debug"),
            lambda: self.config(missing, src, log="debug", pool=4096),
            lambda: self.config(control, src, log="debug").replace(
                "listen = [", "listen = [%s, " % taken),
            lambda: self.config(control, {"kind": "serial"}, log="debug").replace(
                "[egd]", '[serial]\nport = "/dev/egdd-114-no-such-port"\n\n[egd]'),
            lambda: self.config(control, {"kind": "hwrng",
                                          "path": os.path.join(self.dir, "no-such-hwrng")},
                                log="debug"),
        ]
        return variants[k % len(variants)]()

    def write(self, text):
        tmp = self.egd.config + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.egd.config)

    def reload_logged(self, before):
        log = self.egd.log_text()
        return (log.count("configuration reloaded from") + log.count("reload failed")) > before

    def test_storm(self):
        t0 = time.time()
        control = self.controls[0]
        ok = failed = 0
        with Readers(self.egd) as readers:
            wait_for(lambda: all(readers.responses), "every reader served", timeout=20)
            for n in range(RELOADS):
                valid = n % 2 == 1
                text = self.valid(n // 2 + 1) if valid else self.invalid(n // 2, control)
                self.write(text)
                before = ok + failed
                self.egd.proc.send_signal(signal.SIGHUP)
                wait_for(lambda: self.reload_logged(before), "reload %d logged" % n, timeout=20)
                log = self.egd.log_text()
                ok, failed = log.count("configuration reloaded from"), log.count("reload failed")
                self.assertEqual((ok, failed), ((n + 1) // 2, n // 2 + 1),
                                 "reload %d (%s) had the wrong outcome:\n%s"
                                 % (n, "valid" if valid else "invalid", log[-3000:]))
                if valid:
                    control = self.controls[(n // 2 + 1) % 2]
                self.assertIsNone(self.egd.proc.poll(), "egdd died at reload %d" % n)
                self.assertFalse(readers.errors, readers.errors)
                r = subprocess.run([egdtest.EGDCTL, "--socket", control, "status"],
                                   capture_output=True, text=True, timeout=10)
                self.assertEqual(r.returncode, 0, "egdctl status after reload %d: %s %s"
                                 % (n, r.stdout, r.stderr))
                time.sleep(RELOAD_PAUSE)
            served = [len(x) for x in readers.responses]
            time.sleep(0.3)
            self.assertTrue(all(len(x) > s for x, s in zip(readers.responses, served)) or
                            readers.errors, "a reader stopped being served")
        self.assertFalse(readers.errors, readers.errors)
        elapsed = time.time() - t0
        # Failed reloads named the file and line.
        log = self.egd.log_text()
        self.assertRegex(log, r"reload failed, nothing changed: %s:\d+: " % re.escape(self.egd.config))
        self.assertIn("egd.listen: cannot listen on 127.0.0.1:%d" % self.taken.getsockname()[1], log)
        self.assertIn("serial.port: /dev/egdd-114-no-such-port", log)
        self.assertIn("control.socket: control socket %s" % os.path.join(self.dir, "no-such-dir"), log)
        ranges, unplaced = capture_ranges(self.capture, readers.responses)
        ranges.sort()
        for (a, b), (c, _) in zip(ranges, ranges[1:]):
            self.assertLessEqual(b, c, "capture bytes %d..%d served twice" % (c, min(b, c + 16)))
        total = sum(len(r) for client in readers.responses for r in client)
        print("\n%d reloads in %.1f s; %d bytes served to %d clients in %d responses, "
              "%d capture ranges; %d bytes next to gaps unplaced"
              % (RELOADS, elapsed, total, READERS, sum(map(len, readers.responses)),
                 len(ranges), unplaced), end="")
        self.assertLess(unplaced, 3 * RELOADS)
        self.assertEqual(self.egd.stop(), 0)


if __name__ == "__main__":
    unittest.main()
