#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""egd-feed follows the kernel's CRNG as Linux >= 5.18 runs it: credit counts until
the CRNG is ready, after which fed bytes reach it only at its next reseed unless
RNDRESEEDCRNG follows; a resume from suspend calls for fresh bytes at once.

Real egdd (a file source in raw mode: every byte fed must be found in the file, in
order) and real egd-feed processes under the /dev/random recorder
(tests/lib/random_shim.c), which here also stands in for the kernel's CRNG state
(getrandom(GRND_NONBLOCK) fails with EAGAIN until a file exists) and for a resume
(CLOCK_BOOTTIME plus seconds read from a file). Scenarios:
  1. crediting, CRNG not ready: the seed at once at start and boot feeds after it
     until 256 bits are credited (RNDADDENTROPY, entropy = bytes x credit), then the
     interval; the metrics file says not ready. The trigger file appears: "kernel
     CRNG ready after X s since boot; egd-feed fed N bytes before" with N the bytes
     recorded and X this machine's uptime then; the next feed is a write(2) with no
     credit followed by RNDRESEEDCRNG. CLOCK_BOOTTIME jumps 5 s: a resume seed
     (seed_bytes) and a reseed at once, long before the interval. The metrics file
     then holds ready 1, the time since boot, the bytes by credit, reseeds, resumes.
  2. the default (credit 0, no capability), CRNG ready at start: write(2) only, no
     reseed, and the log says once that the bytes wait for the kernel's next reseed;
     under Type=notify-like supervision ($NOTIFY_SOCKET) READY=1 follows the first
     feed, then STATUS= lines.
  3. a server that accepts and never answers: READY=1 all the same, after 5 s.
  4. reseed_crng = yes with credit 0 keeps CAP_SYS_ADMIN alone and reseeds after each
     write; credit with reseed_crng = no drops CAP_SYS_ADMIN once the CRNG is ready;
     reseed_crng = yes without the capability is refused at start (setpriv, root only).
  5. the vmgenid uevent socket opens here (or its refusal is logged once), and the
     unit's vmgenid drop-in (AF_NETLINK) verifies cleanly with the unit's exposure.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
from egdtest import check, fail  # noqa: E402
from feedtest import EGD_FEED, Feed, check_fed, proc_status, wait_records  # noqa: E402
from rndshim import ALL, build_shim, environment, has_cap_sys_admin, ioctl_mode, \
    read_records  # noqa: E402

SOURCE_BYTES = 256 * 1024
SYS_ADMIN = "%016x" % (1 << 21)
NONE = "0" * 16
UNITS = os.path.join(HERE, "..", "..", "packaging", "systemd")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def metrics(path):
    """{sample name with labels: value} of a Prometheus text file."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
    return out


def wait_until(pred, what, feed, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        if feed.proc.poll() is not None:
            fail("egd-feed exited %d while waiting for %s:\n%s"
                 % (feed.proc.returncode, what, feed.text()))
        time.sleep(0.02)
    fail("%s: not within %ds:\n%s" % (what, timeout, feed.text()))


# --- 1. not ready -> ready -> resume ---------------------------------------------------

def test_readiness_and_resume(wd, shim, mode, egd, source):
    log = os.path.join(wd, "shim-ready.log")
    flag = os.path.join(wd, "crng-ready")
    offset = os.path.join(wd, "boottime-offset")
    prom = os.path.join(wd, "egd_feed.prom")
    cfg = os.path.join(wd, "ready.toml")
    write(offset, "0\n")
    write(cfg, '[server]\nconnect = "127.0.0.1:%d"\n[feed]\ncredit_bits_per_byte = 1\n'
               'seed_bytes = 64\nreseed_bytes = 32\ninterval_ms = 1500\n'
               'metrics_file = "%s"\nresume_check_ms = 200\nresume_jump_ms = 1000\n'
               % (egd.port, prom))
    with environment(EGD_SHIM_CRNG_READY=flag, EGD_SHIM_BOOTTIME_OFFSET=offset):
        started = time.monotonic()
        feed = Feed(["--config", cfg, "--log-level", "info"], shim, log, mode)
    try:
        feed.wait_line(r"notice: kernel CRNG not ready yet \(getrandom would block\): crediting "
                       r"as configured, feed after feed, until it is")
        # 64 + 6 x 32 bytes at 1 bit/byte: 256 bits, then nothing until the interval.
        boot = wait_records(log, 7, feed, timeout=5)
        time.sleep(0.5)
        before = read_records(log)
        check(len(before) == 7, "%d feeds before the interval, expected 7 (256 bits): %s"
              % (len(before), [(r.call, r.size, r.entropy) for r in before]))
        check(boot[0].t - started < 1.5, "the seed came %.2f s after start" % (boot[0].t - started))
        check(boot[-1].t - boot[0].t < 1.0, "boot feeds spread over %.2f s, expected back to "
              "back" % (boot[-1].t - boot[0].t))
        check([r.size for r in before] == [64] + [32] * 6, "sizes %s" % [r.size for r in before])
        check_fed(before, source, 1, "before readiness")
        m = metrics(prom)
        check(m["egd_feed_crng_ready"] == 0 and "egd_feed_crng_ready_seconds_since_boot" not in m,
              "metrics before readiness: %s" % m)
        check(m['egd_feed_bytes_fed_total{credited="yes"}'] == 256, "metrics: %s" % m)

        write(flag, "")
        triggered_uptime = uptime()
        _, line, match = feed.wait_line(
            r"notice: kernel CRNG ready after ([0-9.]+) s since boot; egd-feed fed (\d+) bytes "
            r"before \((\d+) bits credited\) \(seen ([0-9.]+) s after egd-feed's start\)")[0]
        since_boot, fed_before, bits_before = float(match.group(1)), int(match.group(2)), \
            int(match.group(3))
        check(fed_before == sum(r.size for r in before) and bits_before == 256,
              "ready line says %d bytes and %d bits before, recorded %d and 256"
              % (fed_before, bits_before, sum(r.size for r in before)))
        check(0 <= since_boot - triggered_uptime < 0.6,
              "ready %.3f s after boot, the trigger was at uptime %.3f" % (since_boot,
                                                                          triggered_uptime))
        # The interval's reseed: write(2), no credit, then RNDRESEEDCRNG.
        n = len(read_records(log, ALL))
        recs = wait_until(lambda: (lambda a: a if len(a) >= n + 2 else None)(
            read_records(log, ALL)), "a write and a reseed after readiness", feed)
        after = recs[n:n + 2]
        check([r.call for r in after] == ["write", "reseed"] and after[0].entropy == 0 and
              after[0].size == 32 and after[1].rc == 0 and after[1].t >= after[0].t,
              "after readiness: %s" % [(r.call, r.size, r.entropy, r.rc) for r in after])

        # A 5 s suspend: CLOCK_BOOTTIME jumps; a fresh seed and a reseed at once.
        n = len(read_records(log, ALL))
        write(offset, "5\n")
        jumped = time.monotonic()
        feed.wait_line(r"notice: resume from suspend \(CLOCK_BOOTTIME moved 5\.\d+ s ahead of "
                       r"CLOCK_MONOTONIC\): fetching fresh bytes on a new connection now")
        recs = wait_until(lambda: (lambda a: a if len(a) >= n + 2 else None)(
            read_records(log, ALL)), "a resume seed and reseed", feed)
        resume = recs[n:n + 2]
        check([r.call for r in resume] == ["write", "reseed"] and resume[0].size == 64,
              "after the jump: %s" % [(r.call, r.size, r.entropy) for r in resume])
        delay = resume[0].t - jumped
        check(delay < 0.8, "resume seed %.2f s after the jump (interval 1.5 s)" % delay)
        feed.wait_line(r"notice: resume seed: fed 64 bytes from .* credited 0 bits \(write\), "
                       r"CRNG reseeded \(RNDRESEEDCRNG\)")
        m = wait_until(lambda: (lambda m: m if m['egd_feed_resumes_total{cause="suspend"}'] == 1
                                else None)(metrics(prom)), "metrics after the resume", feed)
    finally:
        feed.stop()
    feeds = read_records(log)
    reseeds = [r for r in read_records(log, ALL) if r.call == "reseed"]
    check_fed(feeds[:7], source, 1, "credited")
    check_fed(feeds[7:], source, 0, "after readiness")
    stream = b"".join(r.data for r in feeds)
    check(source.find(stream) >= 0, "the %d bytes fed are not one range of the source"
          % len(stream))
    check(m["egd_feed_crng_ready"] == 1 and m["egd_feed_crng_ready_at_start"] == 0 and
          abs(m["egd_feed_crng_ready_seconds_since_boot"] - since_boot) < 0.002,
          "metrics after readiness: %s" % m)
    check(m['egd_feed_bytes_fed_total{credited="yes"}'] == 256 and
          m["egd_feed_bits_credited_total"] == 256 and m["egd_feed_reseeds_total"] >= 2 and
          m['egd_feed_resumes_total{cause="vmgenid"}'] == 0, "metrics: %s" % m)
    final = metrics(prom)
    check(final['egd_feed_bytes_fed_total{credited="no"}'] ==
          sum(r.size for r in feeds[7:]) and final["egd_feed_reseeds_total"] == len(reseeds),
          "metrics at the stop %s; recorded %d uncredited bytes, %d reseeds"
          % (final, sum(r.size for r in feeds[7:]), len(reseeds)))
    with open(prom) as f:
        text = f.read()
    check(not any(r.data.hex() in text.replace("\n", "") for r in feeds if len(r.data) >= 8),
          "fed bytes in the metrics file")
    print("not ready: seed at once (%.2f s after start) + 6 boot feeds back to back, 256 bits "
          "credited by RNDADDENTROPY, then the interval; ready: 'after %.3f s since boot "
          "(uptime %.3f at the trigger); fed %d bytes before'; then write + RNDRESEEDCRNG; "
          "CLOCK_BOOTTIME +5 s: resume seed of 64 bytes + reseed %.2f s later; metrics file: "
          "ready 1, %.3f s, %d reseeds, 1 resume; ioctls %s"
          % (boot[0].t - started, since_boot, triggered_uptime, fed_before, delay,
             m["egd_feed_crng_ready_seconds_since_boot"], final["egd_feed_reseeds_total"],
             "passed to the kernel" if mode == "pass" else "faked"))


# --- 2, 3. credit 0, ready at start; sd_notify ------------------------------------------

class NotifySocket:
    """A datagram socket standing in for systemd's $NOTIFY_SOCKET."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setblocking(False)
        self.got = []   # (time.monotonic(), text)

    def poll(self):
        while True:
            try:
                self.got.append((time.monotonic(), self.sock.recv(4096).decode()))
            except BlockingIOError:
                return self.got

    def close(self):
        self.sock.close()


def test_default_ready_at_start(wd, shim, egd, source):
    log = os.path.join(wd, "shim-default.log")
    notify = NotifySocket(os.path.join(wd, "notify"))
    with environment(EGD_SHIM_CRNG_READY="kernel", NOTIFY_SOCKET=notify.path):
        feed = Feed(["--connect", "unix:" + egd.unix_path, "--interval", "0.3"], shim, log, "pass")
    try:
        feed.wait_line(r"notice: kernel CRNG ready after [0-9.]+ s since boot; egd-feed fed 0 "
                       r"bytes before \(0 bits credited\) \(ready already when egd-feed started\)")
        wait_records(log, 3, feed)
        feed.wait_line(r"notice: seed: fed 64 bytes .* credited 0 bits \(write\)$")
        feed.wait_line(r"notice: the CRNG is ready and egd-feed does not reseed it \(no "
                       r"CAP_SYS_ADMIN\): the bytes fed reach it at the kernel's next reseed, "
                       r"within 60 s")
        status = proc_status(feed.proc.pid)
        got = wait_until(lambda: [t for t in notify.poll() if "STATUS=" in t[1] and
                                  "READY=1" not in t[1]], "STATUS= after READY=1", feed)
    finally:
        feed.stop()
        notify.close()
    recs = read_records(log, ALL)
    check(all(r.call == "write" for r in recs), "credit 0, no capability: %s"
          % sorted({r.call for r in recs}))
    check_fed(recs, source, 0, "credit 0")
    check(len(feed.matching(r"does not reseed it")) == 1, "the late-effect line more than once")
    check(status["CapEff"] == NONE and status["CapPrm"] == NONE, "capabilities %s/%s"
          % (status["CapEff"], status["CapPrm"]))
    ready = [(t, m) for t, m in notify.got if "READY=1" in m]
    check(len(ready) == 1 and recs[0].t <= ready[0][0],
          "READY=1 %d times, first feed at %.3f, READY at %s"
          % (len(ready), recs[0].t, [t for t, _ in ready]))
    check(re.search(r"STATUS=CRNG ready at start, [0-9.]+ s after boot; fed \d+ bytes "
                    r"\(0 credited\), 0 reseeds, 0 resumes", got[-1][1]),
          "STATUS line %r" % got[-1][1])
    print("credit 0, CRNG ready at start: %d writes, no reseed, no capability, 'next reseed, "
          "within 60 s' logged once; READY=1 after the first feed, then %r"
          % (len(recs), got[-1][1]))


def test_notify_silent_server(wd):
    """Started before the others and checked after them: READY=1 comes after 5 s."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    notify = NotifySocket(os.path.join(wd, "notify-silent"))
    with environment(EGD_SHIM_CRNG_READY=None, NOTIFY_SOCKET=notify.path):
        t0 = time.monotonic()
        feed = Feed(["--connect", "127.0.0.1:%d" % silent.getsockname()[1],
                     "--read-timeout", "60"])

    def finish():
        try:
            got = wait_until(lambda: [t for t, m in notify.poll() if "READY=1" in m],
                             "READY=1 with a silent server", feed, timeout=10)
        finally:
            feed.stop()
            notify.close()
            silent.close()
        check(4.9 <= got[0] - t0 <= 6.5, "READY=1 %.2f s after start, expected 5" % (got[0] - t0))
        print("server accepts and never answers: READY=1 %.2f s after start (at most 5 s)"
              % (got[0] - t0))
    return finish


# --- 4. the capability ------------------------------------------------------------------

def test_capability(wd, shim, mode, egd, source):
    if os.geteuid() != 0 or not has_cap_sys_admin():
        print("capability: skipped (needs root with CAP_SYS_ADMIN)")
        return
    log = os.path.join(wd, "shim-reseed-yes.log")
    with environment(EGD_SHIM_CRNG_READY="kernel"):
        feed = Feed(["--connect", "unix:" + egd.unix_path, "--interval", "0.3", "--reseed", "yes"],
                    shim, log, mode)
    try:
        feed.wait_line(r"info: running as uid 0 with CAP_SYS_ADMIN only \(RNDRESEEDCRNG after "
                       r"each feed once the CRNG is ready; no credit\)")
        wait_records(log, 4, feed)
        st = proc_status(feed.proc.pid)
    finally:
        feed.stop()
    recs = read_records(log, ALL)
    calls = [r.call for r in recs]
    check(calls[:4] == ["write", "reseed", "write", "reseed"] and
          all(r.rc == 0 for r in recs), "reseed_crng yes: %s" % calls)
    check(st["CapEff"] == SYS_ADMIN and st["CapPrm"] == SYS_ADMIN and st["CapAmb"] == NONE,
          "reseed_crng yes: CapEff %s CapPrm %s" % (st["CapEff"], st["CapPrm"]))

    log = os.path.join(wd, "shim-reseed-no.log")
    with environment(EGD_SHIM_CRNG_READY="kernel"):
        feed = Feed(["--connect", "unix:" + egd.unix_path, "--interval", "0.3",
                     "--bits-per-byte", "4", "--reseed", "no"], shim, log, mode)
    try:
        feed.wait_line(r"notice: CRNG ready, reseed_crng no: CAP_SYS_ADMIN dropped, bytes are "
                       r"mixed in with write\(2\); using it again needs a restart")
        wait_records(log, 2, feed)
        dropped = proc_status(feed.proc.pid)
    finally:
        feed.stop()
    recs = read_records(log, ALL)
    check(all(r.call == "write" and r.entropy == 0 for r in recs),
          "credit 4, reseed no, ready: %s" % [(r.call, r.entropy) for r in recs])
    check(dropped["CapEff"] == NONE and dropped["CapPrm"] == NONE,
          "after readiness with reseed no: CapEff %s" % dropped["CapEff"])

    setpriv = "/usr/bin/setpriv"
    if os.path.exists(setpriv):
        r = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", "--bounding-set=-all", "--", EGD_FEED, "--connect",
                            "unix:" + egd.unix_path, "--once", "--reseed", "yes"],
                           capture_output=True, text=True, timeout=20)
        check(r.returncode == 1 and r.stderr.startswith(
            "error: --reseed = yes needs CAP_SYS_ADMIN (ioctl RNDRESEEDCRNG), which egd-feed "
            "was not given"), "reseed yes without the capability: exit %d, %r"
              % (r.returncode, r.stderr))
    print("reseed_crng yes, credit 0: CAP_SYS_ADMIN alone, write + RNDRESEEDCRNG each feed; "
          "credit 4 + reseed no: CAP_SYS_ADMIN dropped once ready, writes; reseed yes without "
          "it: exit 1 at start")


# --- 5. vmgenid --------------------------------------------------------------------------

def test_vmgenid(wd, egd):
    feed = Feed(["--connect", "unix:" + egd.unix_path, "--log-level", "info"])
    try:
        _, line, _ = feed.wait_line(r"info: (watching for VM generation changes \(vmgenid "
                                    r"uevents\)|not watching for VM generation changes \(.*\): "
                                    r"resumes are seen by the clock check alone)")[0]
    finally:
        feed.stop()
    check(len(feed.matching(r"VM generation changes")) == 1, "logged more than once")
    print("uevent socket: %s" % line.split(": ", 1)[1])
    if not shutil.which("systemd-analyze"):
        print("vmgenid drop-in: skipped (no systemd-analyze)")
        return
    with tempfile.TemporaryDirectory() as root:
        units = os.path.join(root, "usr/lib/systemd/system")
        shutil.copytree("/usr/lib/systemd/system", units, symlinks=True)
        shutil.copy(os.path.join(UNITS, "egd-feed.service"), units)
        os.makedirs(os.path.join(root, "usr/sbin"))
        write(os.path.join(root, "usr/sbin/egd-feed"), "#!/bin/sh\nexit 0\n")
        os.chmod(os.path.join(root, "usr/sbin/egd-feed"), 0o755)
        os.makedirs(os.path.join(root, "bin"), exist_ok=True)
        shutil.copy(os.path.realpath("/bin/kill"), os.path.join(root, "bin/kill"))
        dropins = os.path.join(root, "etc/systemd/system/egd-feed.service.d")
        os.makedirs(dropins)
        shutil.copy(os.path.join(UNITS, "egd-feed.service.d", "vmgenid.conf"), dropins)
        r = subprocess.run(["systemd-analyze", "verify", "--root=" + root, "egd-feed.service"],
                           capture_output=True, text=True)
        check(r.returncode == 0 and r.stdout + r.stderr == "",
              "verify with vmgenid.conf: %s" % (r.stdout + r.stderr))
        r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--root=" + root,
                            "egd-feed.service"], capture_output=True, text=True)
        score = re.search(r"Overall exposure level for egd-feed.service: ([0-9.]+)", r.stdout)
        netlink = [l for l in r.stdout.splitlines() if "RestrictAddressFamilies=~AF_NETLINK" in l]
        check(score and float(score.group(1)) <= 1.1 and netlink and "\u2717" in netlink[0],
              "security with vmgenid.conf: %s, %s" % (score and score.group(1), netlink))
    print("vmgenid.conf: verify silent, AF_NETLINK allowed, exposure %s (<= 1.1)"
          % score.group(1))


def main():
    started = time.time()
    if not os.path.exists(EGD_FEED):
        fail("egd-feed not found at %s (set EGD_FEED)" % EGD_FEED)
    shim = build_shim()
    mode = ioctl_mode()
    with egdtest.workdir("egdtest-127-") as wd:
        src = os.path.join(wd, "random.bin")
        source = egdtest.write_random_file(src, SOURCE_BYTES)
        with egdtest.Egdd(wd, source={"kind": "file", "path": src}, wait_bytes=4096) as egd:
            finish_silent = test_notify_silent_server(wd)
            test_readiness_and_resume(wd, shim, mode, egd, source)
            test_default_ready_at_start(wd, shim, egd, source)
            test_capability(wd, shim, mode, egd, source)
            test_vmgenid(wd, egd)
            finish_silent()
    print("PASS (%.1fs)" % (time.time() - started))


if __name__ == "__main__":
    main()
