#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""egd-feed keeps the kernel's pool fed from a real egdd, on kernels where
ekeyd-egd-linux waits forever, with no privilege unless it credits.

An LD_PRELOAD shim (tests/lib/random_shim.c) records every write(2) and
ioctl(RNDADDENTROPY) egd-feed makes on /dev/random (and passes it on to the
kernel; the ioctl only when we hold CAP_SYS_ADMIN). The shim also reports the
kernel's CRNG as not ready (getrandom(GRND_NONBLOCK) fails with EAGAIN), the
state in which credit counts: credit 0 must arrive by write, a credit by the
ioctl. (Readiness, reseeding and resumes: tests/127-feed-kernel-readiness.)
egdd serves a `file` source in raw mode, so every byte fed must be found in
that file, in order. Scenarios:
  1. bad configuration: exit 1 with file:line; --check-config
  2. seed, a boot feed at once (the seed's credit is short of 256 bits), then
     reseeds on the interval: bytes, order, credit, spacing
  3. credit 0 (the default): write(2), and /proc/PID/status shows no capability
     in any set and NoNewPrivs, as root and with --user nobody
  4. --once over the unix socket: one feed, exit 0
  5. egdd stopped: reconnect attempts spaced by the backoff (log timestamps),
     egdd restarted on the same port: feeding resumes
  6. a server that accepts and never answers: read timeout, one connection at
     a time, no hang; SIGHUP with a broken file keeps running, SIGHUP with egdd
     as the server resumes feeding
  7. --user nobody crediting: only CAP_SYS_ADMIN left, still feeds (root only);
     SIGHUP to credit 0 drops it for good, SIGHUP back to a credit cannot
     regain it (logged, feeding goes on by write)
  8. systemd-like (setpriv, uid 65534, no shim): ambient CAP_SYS_ADMIN with a credit
     keeps it alone and uses it (the kernel's CRNG being ready: write(2) and a real
     RNDRESEEDCRNG); no capability feeds by write; crediting without it: exit 1 at
     start
  9. no shim: a real write, and with a credit a real RNDRESEEDCRNG after it (or a
     real RNDADDENTROPY, were this kernel's CRNG not ready), into this machine's
     kernel
 10. two servers, --mix 2 (two more egdd, fresh file sources): the one feed of
     --once is exactly the documented BLAKE2b mix of both servers' first bytes
     (recomputed here with hashlib), credited; one server missing: the mix of the
     other's next bytes alone, by write(2) with no credit, "short of hosts" logged
"""
import hashlib
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
from egdtest import check, fail  # noqa: E402
from feedtest import EGD_FEED, Feed, check_fed, proc_status, wait_records  # noqa: E402
from rndshim import build_shim, has_cap_sys_admin, ioctl_mode, read_records  # noqa: E402

SOURCE_BYTES = 256 * 1024


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# --- 1. configuration errors ------------------------------------------------------

def test_config(wd):
    bad = os.path.join(wd, "bad.toml")
    write(bad, '[server]\nconnect = "127.0.0.1:7777"\n\n[feed]\ncredit_bits_per_byte = 9.5\n')
    for mode in ("--config", "--check-config"):
        r = subprocess.run([EGD_FEED, mode, bad], capture_output=True, text=True, timeout=10)
        check(r.returncode == 1, "%s bad.toml exited %d, expected 1" % (mode, r.returncode))
        want = bad + ":5: feed.credit_bits_per_byte: 9.5 is out of range [0, 8]"
        check(r.stderr.strip() == want, "%s bad.toml said %r, expected %r" % (mode, r.stderr, want))
    write(bad, '[server]\nconnect = "127.0.0.1:7777"\n[reconnect]\ninitial_delay_ms = 1000\n'
               'max_dleay_ms = 5\n')
    r = subprocess.run([EGD_FEED, "--config", bad], capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and r.stderr.startswith(bad + ":5: unknown key 'max_dleay_ms'"),
          "misspelt key: exit %d, %r" % (r.returncode, r.stderr))
    r = egdtest.check_config(EGD_FEED, os.path.join(wd, "good.toml"),
                             '[server]\nconnect = "unix:/run/egdd/egd.sock"\n'
                             '[feed]\ncredit_bits_per_byte = 6\n')
    check(r.returncode == 0, "--check-config good.toml exited %d: %s" % (r.returncode, r.stderr))
    example = os.path.join(HERE, "..", "..", "feed", "egd-feed.example.toml")
    r = egdtest.check_config(EGD_FEED, example)
    check(r.returncode == 0, "the example configuration fails: %s" % r.stderr)
    r = subprocess.run([EGD_FEED, "--connect", "127.0.0.1:7777", "--seed-bytes", "0"],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "--seed-bytes: '0'" in r.stderr,
          "bad option: exit %d, %r" % (r.returncode, r.stderr))
    print("config: bad value and unknown key -> exit 1 with file:line; --check-config ok; usage -> 2")


# --- 2. seed and reseeds ------------------------------------------------------------

def test_seed_and_reseed(wd, shim, mode, egd, source):
    """The shim's CRNG is not ready (its default): the seed credits 144 bits, short of
    the 256 the kernel needs, so a boot feed follows at once; then the interval."""
    log = os.path.join(wd, "shim-reseed.log")
    interval = 0.3
    feed = Feed(["--connect", "127.0.0.1:%d" % egd.port, "--seed-bytes", "64", "--reseed-bytes",
                 "100", "--interval", str(interval), "--bits-per-byte", "2.25"], shim, log, mode)
    try:
        wait_records(log, 6, feed)
        feed.wait_line(r"notice: seed: fed 64 bytes from 127\.0\.0\.1:%d to /dev/random, "
                       r"credited 144 bits \(RNDADDENTROPY\)" % egd.port)
        feed.wait_line(r"info: boot feed: fed 100 bytes .* credited 225 bits \(RNDADDENTROPY\)")
    finally:
        feed.stop()
    recs = read_records(log)
    check(recs[0].size == 64, "the seed was %d bytes, expected 64" % recs[0].size)
    check(all(r.size == 100 for r in recs[1:]), "reseeds of %s bytes, expected 100"
          % sorted({r.size for r in recs[1:]}))
    offset = check_fed(recs, source, 2.25, "seed+reseeds")
    gaps = [b.t - a.t for a, b in zip(recs, recs[1:])]
    check(gaps[0] < 0.1, "the boot feed came %.3f s after the seed, expected at once" % gaps[0])
    gaps = gaps[1:]
    check(all(interval - 0.005 <= g <= interval + 0.4 for g in gaps),
          "reseeds every %s s, expected %.1f s" % (["%.3f" % g for g in gaps], interval))
    fed = sum(r.size for r in recs)
    status = egd.status()
    check(status["bytes_served"] == fed, "egdd served %d bytes but egd-feed fed %d"
          % (status["bytes_served"], fed))
    print("seed+reseed (CRNG not ready): %d feeds (64, a boot feed of 100 at once: 144 + 225 >= "
          "256 bits, then %d x 100 bytes) = source[%d:%d], credit floor(n*2.25) each, "
          "reseed gaps %.3f..%.3f s (interval %.1f), ioctl %s, SIGTERM exit 0 in %.2fs"
          % (len(recs), len(recs) - 2, offset, offset + fed, min(gaps), max(gaps), interval,
             "passed to the kernel" if mode == "pass" else "faked", feed.stop_seconds))
    return fed


def test_watermark(wd, shim, mode, egd, source):
    """entropy_avail is at most 256 on Linux >= 5.18 (4096 before): a watermark above
    it must trigger a reseed at every check, long before the 60 s interval."""
    log = os.path.join(wd, "shim-watermark.log")
    cfg = os.path.join(wd, "watermark.toml")
    write(cfg, '[server]\nconnect = "127.0.0.1:%d"\n[feed]\ninterval_ms = 60000\nreseed_bytes = 16\n'
               'low_watermark_bits = 8192\nwatermark_check_ms = 200\n' % egd.port)
    feed = Feed(["--config", cfg], shim, log, mode)
    try:
        recs = wait_records(log, 4, feed, timeout=5)
        feed.wait_line(r"info: entropy_avail \d+ is below the watermark \(8192\): reseeding now",
                       count=3)
    finally:
        feed.stop()
    check(recs[0].size == 64 and all(r.size == 16 for r in recs[1:]),
          "watermark feeds of %s bytes" % [r.size for r in recs])
    check_fed(recs, source, 0, "watermark")
    gaps = [b.t - a.t for a, b in zip(recs, recs[1:])]
    check(all(0.15 <= g <= 0.6 for g in gaps), "watermark reseeds %s s apart, checks every 0.2 s" % gaps)
    print("watermark 8192 > entropy_avail: reseeds every check (%s s apart), not every 60 s; "
          "credit 0 by default" % ["%.2f" % g for g in gaps[:4]])


# --- 4. --once ------------------------------------------------------------------------

def test_once(wd, shim, mode, egd, source):
    log = os.path.join(wd, "shim-once.log")
    _, recs = once(["--connect", "unix:" + egd.unix_path, "--seed-bytes", "32",
                    "--bits-per-byte", "8"], shim, log, mode)
    check(len(recs) == 1 and recs[0].size == 32, "--once made %d feeds (%s bytes), expected one of 32"
          % (len(recs), [r.size for r in recs]))
    check_fed(recs, source, 8, "--once")
    print("--once over unix:%s: one feed of 32 bytes, 256 bits credited, exit 0" % egd.unix_path)


# --- 5. reconnect with backoff ----------------------------------------------------------

def check_backoff(feed, since, initial, max_delay, jitter):
    """Connection attempts after `since` must follow the backoff: after the n-th failure
    in a row the next attempt comes base_n * [1 - jitter, 1] later (base_n = min(max,
    initial * 2^(n-1))), as announced in the "retrying in" line between them. n is read
    from that line: the read in flight when egdd stopped may have failed before `since`
    (egdd's exit takes a while on a loaded machine), so the first attempt after it need
    not follow the first failure."""
    attempts = [t for t, _, _ in feed.matching(r"info: connecting to ") if t >= since]
    retries = [(t, float(m.group(1)), int(m.group(2))) for t, _, m in
               feed.matching(r"retrying in ([0-9.]+) s \((\d+) failure") if t >= since]
    # 0.2 + 0.4 + 0.8 + 1.6 s of backoff at the most: 5 attempts within the 6 s, or 4
    # when egdd's exit took a while (a sanitizer build) and the first failures came
    # before `since`.
    check(len(attempts) >= 4, "only %d connection attempts:\n%s" % (len(attempts), feed.text()))
    spacing, prev = [], 0
    for k in range(1, len(attempts)):
        gap = attempts[k] - attempts[k - 1]
        announced = [(d, n) for t, d, n in retries if attempts[k - 1] <= t <= attempts[k]]
        check(len(announced) == 1, "attempts %d and %d: %d 'retrying in' lines between them"
              % (k, k + 1, len(announced)))
        d, failures = announced[0]
        check(k == 1 or failures == prev + 1, "attempt %d: %d failures in a row after %d"
              % (k + 1, failures, prev))
        prev = failures
        base = min(max_delay, initial * 2 ** (failures - 1))
        check(base * (1 - jitter) - 0.002 <= d <= base + 0.002,
              "retry %d: delay %.3f s outside [%.3f, %.3f]" % (k, d, base * (1 - jitter), base))
        # Stamped on arrival of the log lines: the real spacing, within scheduling noise.
        check(d - 0.03 <= gap <= d + 0.25,
              "attempts %d and %d %.3f s apart, announced %.3f s" % (k, k + 1, gap, d))
        spacing.append((gap, base))
    return spacing


def test_reconnect(wd, shim, mode, egd, source):
    log = os.path.join(wd, "shim-reconnect.log")
    cfg = os.path.join(wd, "reconnect.toml")
    initial, max_delay, jitter = 0.2, 1.6, 0.5
    write(cfg, '[server]\nconnect = "127.0.0.1:%d"\nread_timeout_ms = 5000\n'
               '[feed]\nseed_bytes = 64\nreseed_bytes = 64\ninterval_ms = 300\n'
               'credit_bits_per_byte = 1.5\n'
               '[reconnect]\ninitial_delay_ms = %d\nmax_delay_ms = %d\njitter = %s\n'
               % (egd.port, initial * 1000, max_delay * 1000, jitter))
    feed = Feed(["--config", cfg], shim, log, mode)
    try:
        wait_records(log, 3, feed)
        check(egd.stop() == 0, "egdd did not stop cleanly")
        stopped = time.monotonic()  # after: until egdd is gone, a connection may still succeed
        before = read_records(log)
        # 0.2 + 0.4 + 0.8 + 1.6 + 1.6 s of backoff: at least 6 attempts in 6 s.
        time.sleep(6.0)
        check(feed.proc.poll() is None, "egd-feed exited while egdd was down:\n" + feed.text())
        spacing = check_backoff(feed, stopped, initial, max_delay, jitter)
        attempts = len(spacing) + 1
        check(attempts <= 12, "%d attempts in 6 s: a reconnect storm" % attempts)
        check(len(read_records(log)) == len(before), "egd-feed fed while egdd was down")
        egd.start()   # same config, same port
        restarted = time.monotonic()
        recs = wait_records(log, len(before) + 3, feed, timeout=10)
        feed.wait_line(r"fed 64 bytes .*\(feeding resumed\)")
    finally:
        feed.stop()
    after = [r for r in recs[len(before):]]
    resumed_in = after[0].t - restarted
    check(resumed_in <= max_delay + 0.3, "feeding resumed %.2f s after egdd came back" % resumed_in)
    check_fed(before, source, 1.5, "before the restart")
    check_fed(after, source, 1.5, "after the restart")   # the file source replays from its start
    print("reconnect: egdd stopped; %d attempts, gaps %s s for bases %s s (jitter %.1f); egdd "
          "restarted on port %d, feeding resumed %.2f s later (%d feeds after)"
          % (attempts, ["%.2f" % g for g, _ in spacing], ["%.1f" % b for _, b in spacing], jitter,
             egd.port, resumed_in, len(after)))


# --- 6. a server that never answers; SIGHUP -------------------------------------------------

class Silent:
    """A TCP listener that accepts connections and never sends a byte."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []   # (time, socket)
        self.max_open = 0
        self.stopping = False
        threading.Thread(target=self._run, daemon=True).start()

    def open_count(self):
        """Accepted connections the peer has not closed yet."""
        n = 0
        for _, s in self.accepted:
            s.setblocking(False)
            try:
                while True:
                    data = s.recv(4096)   # requests (02 N) arrive; EOF means closed
                    if not data:
                        break
            except BlockingIOError:
                n += 1
                continue
        return n

    def _run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append((time.monotonic(), conn))
            self.max_open = max(self.max_open, self.open_count())

    def close(self):
        self.stopping = True
        self.sock.close()
        for _, s in self.accepted:
            s.close()


def test_silent_server_and_reload(wd, shim, mode, egd, source):
    log = os.path.join(wd, "shim-silent.log")
    cfg = os.path.join(wd, "silent.toml")
    silent = Silent()
    conf = ('[server]\nconnect = "127.0.0.1:%d"\nread_timeout_ms = 500\n'
            '[feed]\ninterval_ms = 300\ncredit_bits_per_byte = 4\n'
            '[reconnect]\ninitial_delay_ms = 200\nmax_delay_ms = 400\n')
    write(cfg, conf % silent.port)
    feed = Feed(["--config", cfg], shim, log, mode)
    try:
        feed.wait_line(r"warning: no answer from 127\.0\.0\.1:%d within 0\.500 s" % silent.port,
                       count=3, timeout=10)
        check(len(silent.accepted) >= 3, "only %d connections" % len(silent.accepted))
        times = [t for t, _ in silent.accepted]
        gaps = [b - a for a, b in zip(times, times[1:])]
        # each attempt waits out the read timeout (0.5 s), then the backoff (>= 0.1 s)
        check(all(g >= 0.5 + 0.1 - 0.03 for g in gaps), "connections %s s apart" % gaps)
        check(silent.max_open <= 1, "%d connections open at once" % silent.max_open)
        time.sleep(0.3)
        check(silent.open_count() <= 1, "timed-out connections left open")
        check(read_records(log) == [], "fed without an answer")

        # SIGHUP with a broken file: logged, the running configuration kept.
        feed.reload(cfg, conf.replace("read_timeout_ms = 500", "read_timeout_ms = -1") % silent.port,
                    r"error: reload failed, keeping the running configuration: %s:3: "
                    r"server\.read_timeout_ms" % re.escape(cfg))
        n = len(feed.matching(r"no answer from"))
        feed.wait_line(r"no answer from", count=n + 1, timeout=5)   # still at work

        # SIGHUP pointing at egdd: feeding starts.
        feed.reload(cfg, conf.replace("127.0.0.1:%d", "unix:" + egd.unix_path),
                    r"notice: configuration reloaded \(new server\)")
        recs = wait_records(log, 3, feed)
        t0 = time.time()
    finally:
        feed.stop()
        silent.close()
    check(time.time() - t0 < 3, "SIGTERM took too long")
    check_fed(recs, source, 4, "after the reload")
    print("silent server: %d connections, each dropped after the 0.5 s read timeout, gaps %s s, "
          "at most %d open at once; bad SIGHUP kept running; SIGHUP to unix:%s fed %d times; "
          "SIGTERM exit 0 in %.2fs" % (len(silent.accepted), ["%.2f" % g for g in gaps],
                                       silent.max_open, egd.unix_path, len(recs), feed.stop_seconds))


# --- 3, 7, 8. privileges ----------------------------------------------------------------------

SYS_ADMIN = "%016x" % (1 << 21)
NONE = "0" * 16


def check_caps(st, want, what, bounding=True, inheritable=True):
    """Effective, permitted (and bounding, inheritable) hold exactly `want`; ambient
    nothing; no_new_privs set."""
    keys = ["CapEff", "CapPrm"] + (["CapBnd"] if bounding else []) + \
        (["CapInh"] if inheritable else [])
    for k in keys:
        check(st[k] == want, "%s: %s %s, expected %s" % (what, k, st[k], want))
    check(st["CapAmb"] == NONE, "%s: CapAmb %s" % (what, st["CapAmb"]))
    check(st["NoNewPrivs"] == "1", "%s: NoNewPrivs %s" % (what, st["NoNewPrivs"]))


def check_not_dumpable(pid, uid, what):
    """A non-dumpable process's /proc/PID files (not the directory) belong to root
    whatever its uid (the kernel's task_dump_owner)."""
    owner = os.stat("/proc/%d/status" % pid).st_uid
    check(uid == 0 or owner == 0, "%s: /proc/%d/status owned by uid %d: dumpable"
          % (what, pid, owner))


def user_log(wd, name):
    """A shim log the feeder can append to after switching to nobody."""
    log = os.path.join(wd, name)
    open(log, "w").close()
    os.chmod(log, 0o666)
    os.chmod(wd, 0o755)
    return log


def test_no_credit(wd, shim, mode, egd, source):
    """The default: no credit, bytes by write(2), not one capability left."""
    runs = [("root", [], "shim-nocredit.log")]
    if os.geteuid() == 0:
        runs.append(("--user nobody", ["--user", "nobody"], "shim-nocredit-user.log"))
    for what, extra, name in runs:
        log = user_log(wd, name)
        feed = Feed(["--connect", "unix:" + egd.unix_path, "--interval", "0.3"] + extra,
                    shim, log, "pass")
        try:
            feed.wait_line(r"info: running as .*with no capability: bytes are mixed in with "
                           r"write\(2\), credited nothing")
            wait_records(log, 2, feed)
            feed.wait_line(r"notice: seed: fed 64 bytes from unix:.* to /dev/random, "
                           r"credited 0 bits \(write\)")
            st = proc_status(feed.proc.pid)
            check_not_dumpable(feed.proc.pid, int(st["Uid"].split()[0]), what)
        finally:
            feed.stop()
        root = os.geteuid() == 0
        check_caps(st, NONE, "credit 0 as " + what, bounding=root)
        if extra:
            check(st["Uid"].split() == ["65534"] * 4, "%s: Uid %s" % (what, st["Uid"]))
        recs = read_records(log)
        check_fed(recs, source, 0, "credit 0 as " + what)
        check(all(r.entropy == 0 for r in recs), "credit 0: some bits credited")
        print("credit 0 as %s: %d feeds by write(2) (to the kernel), 0 bits; CapEff=CapPrm=CapInh="
              "CapAmb=%s%s, NoNewPrivs 1, not dumpable"
              % (what, len(recs), NONE, ", CapBnd=0" if root else ""))


def test_user(wd, shim, mode, egd, source):
    if os.geteuid() != 0:
        print("--user: skipped (not root)")
        return
    log = user_log(wd, "shim-user.log")
    feed = Feed(["--connect", "127.0.0.1:%d" % egd.port, "--user", "nobody", "--interval", "0.3",
                 "--bits-per-byte", "3"], shim, log, mode)
    try:
        feed.wait_line(r"info: running as nobody \(uid 65534\) with CAP_SYS_ADMIN only")
        wait_records(log, 2, feed)
        st = proc_status(feed.proc.pid)
        check_not_dumpable(feed.proc.pid, 65534, "--user nobody")
    finally:
        feed.stop()
    check(st["Uid"].split() == ["65534"] * 4, "Uid %s" % st["Uid"])
    check(st["Gid"].split() == ["65534"] * 4, "Gid %s" % st["Gid"])
    check_caps(st, SYS_ADMIN, "--user nobody crediting", inheritable=False)
    check(st["CapInh"] == NONE, "CapInh %s" % st["CapInh"])
    recs = read_records(log)
    check_fed(recs, source, 3, "--user nobody")
    print("--user nobody crediting: uid/gid 65534, CapEff=CapPrm=CapBnd=%s, no inheritable/"
          "ambient, NoNewPrivs 1, not dumpable; %d feeds, RNDADDENTROPY %s"
          % (SYS_ADMIN, len(recs), "returned 0" if mode == "pass" else "faked"))


def test_credit_reload(wd, shim, mode, egd, source):
    """Crediting -> SIGHUP credit 0: CAP_SYS_ADMIN dropped, feeds by write; SIGHUP
    back to a credit: cannot regain it, logged, still write with no credit."""
    if os.geteuid() != 0:
        print("credit reload: skipped (not root)")
        return
    log = user_log(wd, "shim-credit-reload.log")
    cfg = os.path.join(wd, "credit-reload.toml")
    conf = ('[server]\nconnect = "unix:%s"\n[feed]\ninterval_ms = 200\n'
            'credit_bits_per_byte = %%s\n' % egd.unix_path)
    write(cfg, conf % "2")
    os.chmod(cfg, 0o644)
    feed = Feed(["--config", cfg, "--user", "nobody"], shim, log, mode)
    def reload(credit, logged):
        """The /proc status once a reload to `credit` is logged and two more feeds made."""
        feed.reload(cfg, conf % credit, logged)
        wait_records(log, len(read_records(log)) + 2, feed)
        return proc_status(feed.proc.pid)

    try:
        wait_records(log, 2, feed)
        check_caps(proc_status(feed.proc.pid), SYS_ADMIN, "crediting", inheritable=False)
        dropped = reload("0", r"notice: reload: credit 0: CAP_SYS_ADMIN dropped")
        after = reload("2", r"warning: reload: credit_bits_per_byte = 2 takes effect at the "
                            r"next start")
    finally:
        feed.stop()
    check_caps(dropped, NONE, "after SIGHUP to credit 0", bounding=False)
    check_caps(after, NONE, "after SIGHUP back to credit 2", bounding=False)
    recs = read_records(log)
    first = [r for r in recs if r.call == "ioctl"]
    rest = recs[len(first):]
    check(len(first) >= 2 and all(r.entropy == 2 * r.size for r in first),
          "before the reload: %s" % [(r.call, r.entropy) for r in first])
    check(len(rest) >= 4 and all(r.call == "write" for r in rest),
          "after the reloads: %s" % [(r.call, r.entropy) for r in rest])
    check_fed(first, source, 2, "credit 2 before the reloads")
    check_fed(rest, source, 0, "after the reloads")
    print("reload: credit 2 (%d RNDADDENTROPY, CAP_SYS_ADMIN) -> SIGHUP credit 0: CapEff=CapPrm="
          "0, write(2); -> SIGHUP credit 2: 'takes effect at the next start', still 0 and write "
          "(%d writes)" % (len(first), len(rest)))


def test_systemd_like(wd, egd):
    """What systemd gives (emulated with setpriv): uid 65534, and with the credit
    drop-in ambient CAP_SYS_ADMIN. Crediting keeps it alone; without it egd-feed
    feeds by write(2), and refuses at start to credit."""
    setpriv = "/usr/bin/setpriv"
    if os.geteuid() != 0 or not os.path.exists(setpriv):
        print("systemd-like run: skipped (needs root and setpriv)")
        return
    base = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs"]
    caps = ["--inh-caps=-all,+sys_admin", "--ambient-caps=-all,+sys_admin",
            "--bounding-set=-all,+sys_admin"]
    nocaps = ["--inh-caps=-all", "--bounding-set=-all"]
    feed = [EGD_FEED, "--connect", "127.0.0.1:%d" % egd.port, "--once", "--seed-bytes", "32"]
    r = subprocess.run(base + caps + ["--"] + feed + ["--bits-per-byte", "4"],
                       capture_output=True, text=True, timeout=20)
    # Unshimmed: this machine's kernel decides. Ready (as it is once booted), the credit
    # no longer counts and the capability serves RNDRESEEDCRNG instead.
    credited = ("credited 0 bits (write), CRNG reseeded (RNDRESEEDCRNG)" if crng_ready()
                else "credited 128 bits (RNDADDENTROPY)")
    check(r.returncode == 0 and credited in r.stderr,
          "uid 65534 with ambient CAP_SYS_ADMIN, credit 4: exit %d:\n%s" % (r.returncode, r.stderr))
    r = subprocess.run(base + nocaps + ["--"] + feed, capture_output=True, text=True, timeout=20)
    check(r.returncode == 0 and "credited 0 bits (write)" in r.stderr,
          "uid 65534 without capabilities, credit 0: exit %d:\n%s" % (r.returncode, r.stderr))
    served = egd.status()["bytes_served"]
    r = subprocess.run(base + nocaps + ["--"] + feed + ["--bits-per-byte", "4"],
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 1 and r.stderr.startswith(
        "error: --bits-per-byte = 4 needs CAP_SYS_ADMIN (ioctl RNDADDENTROPY), which egd-feed "
        "was not given") and "credit.conf" in r.stderr,
          "uid 65534 without capabilities, credit 4: exit %d:\n%s" % (r.returncode, r.stderr))
    check(egd.status()["bytes_served"] == served, "crediting refused, yet bytes were read")
    # Running: what is left in each set once egd-feed has started feeding.
    for what, priv, extra, want in (("ambient CAP_SYS_ADMIN, credit 4", caps,
                                     ["--bits-per-byte", "4"], SYS_ADMIN),
                                    ("no capability, credit 0", nocaps, [], NONE)):
        p = Feed(["--connect", "unix:" + egd.unix_path, "--interval", "0.5"] + extra,
                 prefix=base + priv + ["--"])
        try:
            p.wait_line(r"notice: seed: fed 64 bytes")
            st = proc_status(p.proc.pid)
        finally:
            p.stop()
        check_caps(st, want, "systemd-like, " + what, inheritable=False)
        # systemd puts ambient capabilities in the inheritable set too; egd-feed leaves
        # it (capset is filtered in the unit), and with nothing ambient it passes nothing on.
        check(st["CapInh"] in (NONE, want), "systemd-like, %s: CapInh %s" % (what, st["CapInh"]))
    print("systemd-like (setpriv uid 65534): ambient CAP_SYS_ADMIN + credit 4 -> real %s, "
          "CapEff=CapPrm=CapBnd=%s, CapAmb 0; no capability + credit 0 -> real write(2), every "
          "set 0; no capability + credit 4 -> exit 1 at start, nothing read"
          % ("write + RNDRESEEDCRNG (CRNG ready)" if crng_ready() else "RNDADDENTROPY", SYS_ADMIN))


# --- 10. several servers, mixed -------------------------------------------------------------

def mix(inputs):
    """feed/mix.h's construction, independently: out_j = BLAKE2b-512("egd-feed mix v1" ||
    LE64(k) || LE64(n) || LE64(j) || in_1[j] || ... || in_k[j]), 64-byte blocks."""
    n, out = len(inputs[0]), b""
    for j in range((n + 63) // 64):
        h = hashlib.blake2b(digest_size=64)
        h.update(b"egd-feed mix v1" + struct.pack("<QQQ", len(inputs), n, j))
        for x in inputs:
            h.update(x[64 * j:64 * (j + 1)])
        out += h.digest()[:min(64, n - 64 * j)]
    return out


def once(args, shim, log, mode):
    feed = Feed(args + ["--once"], shim, log, mode)
    try:
        rc = feed.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        feed.kill()
        fail("--once did not exit:\n" + feed.text())
    feed.reader.join(5)
    check(rc == 0, "--once exited %d:\n%s" % (rc, feed.text()))
    return feed, read_records(log)


def test_mix(wd, shim, mode):
    sources, servers = [], []
    with _MixServers(wd) as egds:
        for source, egd in egds:
            sources.append(source)
            servers += ["--connect", "unix:" + egd.unix_path]
        feed, recs = once(servers + ["--mix", "2", "--seed-bytes", "100", "--bits-per-byte", "2"],
                          shim, os.path.join(wd, "shim-mix.log"), mode)
        want = mix([sources[0][:100], sources[1][:100]])
        check(len(recs) == 1 and recs[0].call == "ioctl" and recs[0].entropy == 200 and
              recs[0].data == want, "--mix 2: one feed of 100 bytes, the mix of both servers' "
              "first 100, 200 bits credited (got %s)" % [(r.call, r.entropy, r.size, r.data == want)
                                                         for r in recs])
        check(all(r.data not in s for r in recs for s in sources), "--mix 2: the fed bytes are in "
              "neither server's source")
        feed, recs = once(servers[:2] + ["--connect", "unix:" + os.path.join(wd, "gone.sock"),
                                         "--mix", "2", "--seed-bytes", "50", "--bits-per-byte", "2"],
                          shim, os.path.join(wd, "shim-short.log"), mode)
        want = mix([sources[0][100:150]])
        check(len(recs) == 1 and recs[0].call == "write" and recs[0].entropy == 0 and
              recs[0].data == want, "one server missing: the mix of the other's next 50 bytes "
              "alone, by write(2), no credit (got %s)" % [(r.call, r.entropy, r.size, r.data == want)
                                                         for r in recs])
        check("short of hosts: mixing 1 of 2 hosts, credit 0" in feed.text(),
              "one server missing: 'short of hosts' logged:\n" + feed.text())
    print("--mix 2: the fed bytes are BLAKE2b(both servers' bytes) as documented, credited; one "
          "server gone: the other's bytes hashed, written without credit, 'short of hosts' logged")


class _MixServers:
    """Two egdd on fresh random files, each in its own directory: [(content, egdd)]."""

    def __init__(self, wd):
        self.egds = []
        for name in ("m1", "m2"):
            d = os.path.join(wd, name)
            os.makedirs(d)
            path = os.path.join(d, "random.bin")
            content = egdtest.write_random_file(path, 16384)
            self.egds.append((content, egdtest.Egdd(d, source={"kind": "file", "path": path},
                                                    wait_bytes=1024)))

    def __enter__(self):
        for _, e in self.egds:
            e.__enter__()
        return self.egds

    def __exit__(self, *exc):
        for _, e in self.egds:
            e.__exit__(*exc)


# --- 9. the real kernel ---------------------------------------------------------------------

def crng_ready():
    """This machine's CRNG, as egd-feed's probe sees it: getrandom(GRND_NONBLOCK)."""
    try:
        os.getrandom(1, os.GRND_NONBLOCK)
        return True
    except BlockingIOError:
        return False


def run_traced(egd, credit):
    cmd = [EGD_FEED, "--connect", "127.0.0.1:%d" % egd.port, "--once", "--seed-bytes", "64",
           "--bits-per-byte", str(credit)]
    strace = "/usr/bin/strace"
    traced = os.path.exists(strace)
    if traced:
        cmd = [strace, "-qq", "-y", "-e", "trace=ioctl,write", "-o", "/dev/stdout"] + cmd
    # LeakSanitizer cannot run under ptrace (sanitizer builds only; ignored otherwise).
    env = dict(os.environ, ASAN_OPTIONS=":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                               "detect_leaks=0"])))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env=env)
    calls = [l for l in r.stdout.splitlines() if "</dev/random>" in l]
    return r, traced, calls


def test_real_kernel(egd):
    with open("/proc/sys/kernel/random/entropy_avail") as f:
        avail_before = f.read().strip()
    r, traced, calls = run_traced(egd, 0)
    check(r.returncode == 0 and "seed: fed 64 bytes" in r.stderr,
          "--once by write into the real kernel exited %d:\n%s%s" % (r.returncode, r.stdout,
                                                                    r.stderr))
    if traced:
        check(len(calls) == 1 and calls[0].startswith("write(") and
              calls[0].rstrip().endswith("= 64"), "strace saw %r" % calls)
        print("real kernel, credit 0 (strace): %s" % re.sub(r'".*"(\.\.\.)?', "...",
                                                            calls[0].strip()))
    r, traced, calls = run_traced(egd, 1)
    with open("/proc/sys/kernel/random/entropy_avail") as f:
        avail_after = f.read().strip()
    if not has_cap_sys_admin():
        check(r.returncode == 1 and "needs CAP_SYS_ADMIN" in r.stderr,
              "crediting without CAP_SYS_ADMIN: exit %d, %r" % (r.returncode, r.stderr))
        print("real kernel: no CAP_SYS_ADMIN here: crediting refused at start, exit 1")
        return
    check(r.returncode == 0, "--once into the real kernel exited %d:\n%s%s"
          % (r.returncode, r.stdout, r.stderr))
    check("seed: fed 64 bytes" in r.stderr, "no feed logged:\n" + r.stderr)
    ready = crng_ready()
    if traced and ready:
        # Ready: credit no longer counts; the bytes are written, then the CRNG reseeded.
        check(len(calls) == 2 and calls[0].startswith("write(") and
              calls[0].rstrip().endswith("= 64") and "RNDRESEEDCRNG" in calls[1] and
              calls[1].rstrip().endswith("= 0"), "strace saw %r" % calls)
        print("real kernel, credit 1, CRNG ready (strace): %s; %s"
              % (re.sub(r'".*"(\.\.\.)?', "...", calls[0].strip()), calls[1].strip()))
    elif traced:
        check(len(calls) == 1 and "RNDADDENTROPY" in calls[0] and calls[0].rstrip().endswith("= 0"),
              "strace saw %r" % calls)
        shown = re.sub(r'buf=".*"(\.\.\.)?', "buf=...", calls[0].strip())
        print("real kernel, credit 1 (strace): %s" % shown)
    print("real kernel: egd-feed --once wrote 64 bytes to this machine's /dev/random (write "
          "returned 64), then fed 64 more %s; exit 0 (entropy_avail %s -> %s)"
          % ("and reseeded the CRNG (RNDRESEEDCRNG returned 0: the kernel is ready, credit no "
             "longer counts)" if ready else "with credit (ioctl returned 0)",
             avail_before, avail_after))


def main():
    started = time.time()
    if not os.path.exists(EGD_FEED):
        fail("egd-feed not found at %s (set EGD_FEED)" % EGD_FEED)
    shim = build_shim()
    mode = ioctl_mode()
    with egdtest.workdir("egdtest-070-") as wd:
        test_config(wd)
        src = os.path.join(wd, "random.bin")
        source = egdtest.write_random_file(src, SOURCE_BYTES)
        test_mix(wd, shim, mode)
        with egdtest.Egdd(wd, source={"kind": "file", "path": src}, wait_bytes=4096) as egd:
            test_seed_and_reseed(wd, shim, mode, egd, source)
            test_no_credit(wd, shim, mode, egd, source)
            test_watermark(wd, shim, mode, egd, source)
            test_once(wd, shim, mode, egd, source)
            test_silent_server_and_reload(wd, shim, mode, egd, source)
            test_user(wd, shim, mode, egd, source)
            test_credit_reload(wd, shim, mode, egd, source)
            test_systemd_like(wd, egd)
            test_real_kernel(egd)
            test_reconnect(wd, shim, mode, egd, source)
    print("PASS (%.1fs)" % (time.time() - started))


if __name__ == "__main__":
    main()
