#!/usr/bin/env python3
"""trng-sim on a real pseudo-terminal: the device protocol (firmware/PROTOCOL.md)
decoded by an independent Python decoder, the data rate, on/off, status, and
every fault the control socket injects (garbage, corruption, fan stop,
sunlight, unplug/replug)."""
import errno
import os
import re
import select
import sys
import tempfile
import termios
import time
import tty
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from simtest import TRNG_SIM, TrngSim  # noqa: E402

RATE_BPS = 4000

TEXT = rb"[\x20\x22-\x29\x2b-\x7e]"  # printable ASCII without '!' and '*'
LINE = re.compile(rb"!(" + TEXT + rb"{0,200})\*([0-9A-F]{8})\r?\n")
LINE_PREFIX = re.compile(rb"!" + TEXT + rb"{0,200}(\*[0-9A-F]{0,8}\r?)?")
NEED, REJECT = 0, -1


class Decoder:
    """Independent decoder of the device -> host stream: frames
    EB 90 'D' seq16 len payload CRC-32 and lines '!text*CRC\\r\\n'."""

    def __init__(self):
        self.buf = bytearray()
        self.frames = []  # (seq, payload, time)
        self.lines = []
        self.skipped = self.crc_errors = self.lost = 0
        self.expected = None

    def feed(self, data):
        self.buf += data
        i = 0
        while i < len(self.buf):
            used = self._frame(i) if self.buf[i] == 0xEB else self._line(i) if self.buf[i] == 0x21 else REJECT
            if used == NEED:
                break
            if used == REJECT:
                self.skipped += 1
                i += 1
            else:
                i += used
        del self.buf[:i]

    def _frame(self, i):
        b, n = self.buf, len(self.buf) - i
        for k, want in ((1, 0x90), (2, 0x44)):
            if n > k and b[i + k] != want:
                return REJECT
        if n >= 6 and not 1 <= b[i + 5] <= 64:
            return REJECT
        if n < 6 or n < 10 + b[i + 5]:
            return NEED
        length = b[i + 5]
        body = bytes(b[i + 2:i + 6 + length])
        if zlib.crc32(body) != int.from_bytes(b[i + 6 + length:i + 10 + length], "big"):
            self.crc_errors += 1
            return REJECT
        seq = int.from_bytes(body[1:3], "big")
        if self.expected is not None and seq != self.expected and seq != 0:
            self.lost += (seq - self.expected) % 65536
        self.expected = (seq + 1) % 65536
        self.frames.append((seq, body[4:], time.monotonic()))
        return 10 + length

    def _line(self, i):
        m = LINE.match(self.buf, i)
        if m and zlib.crc32(m.group(1)) == int(m.group(2), 16):
            self.lines.append(m.group(1).decode())
            return m.end() - i
        if not m and LINE_PREFIX.fullmatch(self.buf, i):
            return NEED
        return REJECT

    def payload(self):
        return b"".join(p for _, p, _ in self.frames)


class Port:
    """The host side: the --link path opened as a raw serial port."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd, termios.TCSANOW)
        self.dec = Decoder()

    def send(self, text):
        os.write(self.fd, text.encode())

    def read_for(self, seconds):
        """Reads and decodes for `seconds`; returns False at EOF/EIO (device gone)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], 0.02)
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096)
            except BlockingIOError:
                continue
            except OSError as e:
                if e.errno == errno.EIO:
                    return False
                raise
            if not data:
                return False
            self.dec.feed(data)
        return True

    def command(self, text, reply_prefix, timeout=3.0):
        n = len(self.dec.lines)
        self.send(text + "\n")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.read_for(0.05)
            for line in self.dec.lines[n:]:
                if line.startswith(reply_prefix):
                    return line
        raise AssertionError("no reply %r to %r; lines %r" % (reply_prefix, text, self.dec.lines[n:]))

    def close(self):
        os.close(self.fd)


def status_fields(line):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def max_identical_per_100(data):
    return max((max(data[o:o + 100].count(v) for v in set(data[o:o + 100]))
                for o in range(0, len(data) - 99, 100)), default=0)


class TrngSimTest(unittest.TestCase):
    def setUp(self):
        if not os.access(TRNG_SIM, os.X_OK):
            self.skipTest("trng-sim not built: " + TRNG_SIM)
        self.tmp = tempfile.TemporaryDirectory(prefix="trng-sim-")
        self.sim = TrngSim(self.tmp.name, RATE_BPS)
        self.port = Port(self.sim.link)

    def tearDown(self):
        try:
            self.port.close()
        except OSError:
            pass
        self.sim.stop()
        self.assertFalse(os.path.lexists(self.sim.link), "link left behind")
        self.tmp.cleanup()

    def start_stream(self):
        self.port.command("on", "ok on")
        self.port.read_for(0.5)
        self.assertTrue(self.port.dec.frames, "no frames after on")

    def test_boot_version_and_silence_while_off(self):
        self.assertTrue(self.sim.first_path.startswith("/dev/pts/"), self.sim.first_path)
        self.assertEqual(os.readlink(self.sim.link), self.sim.first_path)
        v = self.port.command("version", "version ")
        self.assertRegex(v, r"^version wind-tunnel-trng fw=\S+ protocol=1 debias=xor4 sample_hz=240 payload=32$")
        self.assertTrue(any(l.startswith("boot wind-tunnel-trng") for l in self.port.dec.lines))
        self.assertIn("err unknown-command bogus", self.port.command("bogus", "err"))
        self.port.read_for(1.0)
        self.assertEqual(self.port.dec.frames, [])
        self.assertEqual(self.port.dec.skipped, 0)

    def test_stream_rate_sequence_and_off(self):
        self.start_stream()
        self.port.read_for(3.0)
        d = self.port.dec
        t0, t1 = d.frames[0][2], d.frames[-1][2]
        rate = sum(len(p) for _, p, _ in d.frames[1:]) * 8 / (t1 - t0)
        self.assertGreater(rate, RATE_BPS * 0.75)
        self.assertLess(rate, RATE_BPS * 1.25)
        self.assertEqual([s for s, _, _ in d.frames], list(range(len(d.frames))))
        self.assertEqual((d.skipped, d.crc_errors, d.lost), (0, 0, 0))
        self.assertTrue(all(len(p) == 32 for _, p, _ in d.frames))
        self.assertLessEqual(max_identical_per_100(d.payload()), 12)
        self.port.command("off", "ok off")
        self.port.read_for(0.3)
        n = len(d.frames)
        self.port.read_for(1.0)
        self.assertEqual(len(d.frames), n, "frames after off")

    def test_status_counters(self):
        self.start_stream()
        s = status_fields(self.port.command("status", "status "))
        self.assertEqual((s["on"], s["fan"], s["sampling"]), (1, 1, 1))
        self.assertGreater(s["samples"], 1000)
        self.assertLess(s["adc_min"] + 100, s["adc_max"])
        self.assertEqual(s["discard_pm"], 750)  # XOR-4
        self.assertLess(s["quiet"] * 5, s["samples"])

    def test_garbage_and_corruption_are_skipped(self):
        self.start_stream()
        self.assertEqual(self.sim.command("garbage 100"), "ok")
        self.port.read_for(1.0)
        d = self.port.dec
        self.assertGreaterEqual(d.skipped, 100)
        n = len(d.frames)
        self.assertEqual(self.sim.command("corrupt 3"), "ok")
        self.port.read_for(1.0)
        self.assertGreaterEqual(d.crc_errors + d.lost, 1)
        self.assertGreater(len(d.frames), n + 5, "stream did not resume after corruption")
        self.assertLessEqual(max_identical_per_100(d.payload()), 12)

    def test_fan_stop_makes_payload_constant(self):
        self.start_stream()
        self.assertEqual(self.sim.command("fan-stop"), "ok")
        self.port.read_for(0.5)  # ~30 s of device time: the snippets settle
        n = len(self.port.dec.frames)
        self.port.read_for(1.5)
        stuck = b"".join(p for _, p, _ in self.port.dec.frames[n:])
        self.assertGreater(len(stuck), 300, "data must keep flowing when the fan stops")
        self.assertEqual(set(stuck), {0})
        self.assertIn("snippets_at_rest=1", self.sim.command("status"))
        self.assertEqual(self.sim.command("fan-start"), "ok")
        self.port.read_for(0.5)
        n = len(self.port.dec.frames)
        self.port.read_for(1.5)
        self.assertLessEqual(max_identical_per_100(b"".join(p for _, p, _ in self.port.dec.frames[n:])), 12)

    def test_sunlight_pins_adc_at_maximum(self):
        self.start_stream()
        self.assertEqual(self.sim.command("sunlight"), "ok")
        self.port.read_for(0.2)
        self.port.command("status", "status ")  # restarts the min/max window
        n = len(self.port.dec.frames)
        self.port.read_for(1.0)
        s = status_fields(self.port.command("status", "status "))
        self.assertEqual((s["adc_min"], s["adc_max"]), (1023, 1023))
        self.assertEqual(set(b"".join(p for _, p, _ in self.port.dec.frames[n + 1:])), {0})
        self.assertEqual(self.sim.command("shade"), "ok")

    def test_unplug_and_replug(self):
        self.start_stream()
        self.assertEqual(self.sim.command("unplug"), "ok")
        self.assertFalse(self.port.read_for(2.0), "host still reads after unplug")
        self.assertFalse(os.path.lexists(self.sim.link))
        with self.assertRaises(OSError):
            os.open(self.sim.first_path, os.O_RDWR | os.O_NOCTTY)
        self.port.close()
        reply = self.sim.command("replug")
        self.assertRegex(reply, r"^ok /dev/pts/\d+$")
        self.assertEqual(os.readlink(self.sim.link), reply.split()[1])
        self.port = Port(self.sim.link)
        self.port.read_for(0.2)
        self.assertTrue(any(l.startswith("boot ") for l in self.port.dec.lines))
        self.assertEqual(status_fields(self.port.command("status", "status "))["on"], 0)
        self.start_stream()
        self.assertEqual(self.port.dec.frames[0][0], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
