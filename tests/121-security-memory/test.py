#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Entropy never reaches a core dump, swap or freed memory (issue 12, measure 5).

egdd, trng-httpd and egd-feed run as the unprivileged user nobody, as in production
(their own users there), on a `file` source whose bytes egdd serves unchanged and in
order. Clients then take bytes: an EGD client on egdd's unix socket, getRandom on
trng-httpd, egd-feed feeding a file standing in for /dev/random. Afterwards, for each
daemon:

1. it is not dumpable: /proc/PID/* belongs to root although the process runs as
   nobody (the kernel does that only for non-dumpable processes), and its core size
   limit is 0;
2. every locked mapping in /proc/PID/smaps is also marked dont-dump ("lo" => "dd"),
   and the secure allocator's mappings exist ("dd" somewhere);
3. none of the bytes it served or handled is left anywhere in its memory
   (/proc/PID/mem, every readable mapping): served bytes were wiped from the pool,
   session and client buffers, response bodies and formatted text once used.
"""
import json
import os
import pwd
import re
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
import httpdtest  # noqa: E402

EGD_FEED = os.environ.get("EGD_FEED", os.path.join(HERE, "../../build/feed/egd-feed"))
NOBODY = pwd.getpwnam("nobody")
AS_NOBODY = ["setpriv", "--reuid=%d" % NOBODY.pw_uid, "--regid=%d" % NOBODY.pw_gid,
             "--clear-groups", "--"]
WINDOW = 8          # memory is scanned in steps of this many bytes ...
MATCH = 16          # ... and a hit counts once this many bytes agree
MAX_MAPPING = 1 << 28  # skip sanitizer shadow and reserved ranges


fail, check = egdtest.fail, egdtest.check


class NobodyEgdd(egdtest.Egdd):
    def spawn(self, argv, **kw):
        return super().spawn(AS_NOBODY + argv, **kw)


class NobodyHttpd(httpdtest.TrngHttpd):
    def spawn(self, argv, **kw):
        return super().spawn(AS_NOBODY + argv, **kw)


# --- What the kernel says about a process ------------------------------------------

def not_dumpable(pid):
    """True if /proc/PID is root's while the process runs as nobody: the kernel gives
    /proc/PID to root exactly when the process is not dumpable."""
    with open("/proc/%d/status" % pid) as f:
        uid = int(re.search(r"^Uid:\s+(\d+)", f.read(), re.M).group(1))
    check(uid == NOBODY.pw_uid, "pid %d does not run as nobody (uid %d)" % (pid, uid))
    return os.stat("/proc/%d/status" % pid).st_uid == 0


def core_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max core file size"):
                return line.split()[4:6]
    return None


def mappings(pid):
    """[(start, end, perms, name, vmflags)] from /proc/PID/smaps."""
    out, cur = [], None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if m:
                cur = [int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4), ""]
                out.append(cur)
            elif line.startswith("VmFlags:") and cur:
                cur[4] = line.split(":", 1)[1].split()
    return out


def check_smaps(name, pid):
    maps = mappings(pid)
    locked = [m for m in maps if "lo" in m[4]]
    bad = ["%x-%x %s" % (m[0], m[1], m[3]) for m in locked if "dd" not in m[4]]
    check(not bad, "%s: locked mappings not marked dont-dump: %s" % (name, bad))
    dd = [m for m in maps if "dd" in m[4] and not m[3].startswith("[")]
    check(dd, "%s: no dont-dump mapping at all (is the secure allocator used?)" % name)
    return len(locked), len(dd)


def leaks(pid, needles):
    """Places in the process's memory holding >= MATCH bytes of `needles` (a set of
    WINDOW-byte strings taken at every offset of the secret bytes)."""
    found = []
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for start, end, perms, name, _ in mappings(pid):
            if "r" not in perms or end - start > MAX_MAPPING or name in ("[vvar]", "[vsyscall]"):
                continue
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except OSError:
                continue
            for i in range(0, len(data) - MATCH + 1, WINDOW):
                w = data[i:i + WINDOW]
                if w in needles and data[i + WINDOW:i + MATCH] in needles.get(w, ()):
                    found.append("%s+0x%x" % (name or "anon", i))
    return found


def needle_index(secret):
    """{window: {the WINDOW bytes that follow it in `secret`}} for every offset."""
    index = {}
    for j in range(len(secret) - MATCH + 1):
        index.setdefault(secret[j:j + WINDOW], set()).add(secret[j + WINDOW:j + MATCH])
    return index


# --- The scenario ---------------------------------------------------------------------

def egd_take(egd, total):
    got = bytearray()
    with egd.connect(unix=True) as s:
        while len(got) < total:
            got += egdtest.egd_read_blocking(s, min(255, total - len(got)))
    return bytes(got)


def http_random(port, quantity):
    url = "http://127.0.0.1:%d/trng/randomNum/getRandom?numBits=8&quantity=%d" % (port, quantity)
    req = urllib.request.Request(url, headers={"Connection": "close"})
    with urllib.request.urlopen(req, timeout=20) as r:
        body = r.read()
    numbers = json.loads(body)
    return bytes(int(n, 16) for n in numbers), body


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (runs the daemons as nobody and reads their memory)")
        sys.exit(77)
    with egdtest.workdir("egdtest-121-") as wd:
        os.chmod(wd, 0o755)
        os.chown(wd, NOBODY.pw_uid, NOBODY.pw_gid)
        source = os.path.join(wd, "capture.bin")
        data = egdtest.write_random_file(source, 1 << 20)
        os.chmod(source, 0o644)
        fed = os.path.join(wd, "random-device")
        open(fed, "wb").close()
        os.chown(fed, NOBODY.pw_uid, NOBODY.pw_gid)
        with NobodyEgdd(wd, {"kind": "file", "path": source},
                        extra="[pool]\nsize_bytes = 65536\n") as egd:
            egd.wait_pool(32768)
            hdir = os.path.join(wd, "h")
            os.mkdir(hdir, 0o755)
            os.chown(hdir, NOBODY.pw_uid, NOBODY.pw_gid)
            with NobodyHttpd(hdir, egd, unix_egd=True) as httpd:
                run(wd, egd, httpd, data, fed)


def run(wd, egd, httpd, data, fed_path):
    feed = subprocess.Popen(AS_NOBODY + [EGD_FEED, "--connect", "unix:" + egd.unix_path,
                                         "--device", fed_path, "--interval", "1",
                                         "--seed-bytes", "200", "--reseed-bytes", "200"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(wd, "feed.log"), "wb"))
    try:
        taken = egd_take(egd, 20000)
        raw, body = http_random(httpd.port, 4000)
        egdtest.wait_for(lambda: os.path.getsize(fed_path) >= 400, "egd-feed fed twice", 15)
        fed = open(fed_path, "rb").read()
        time.sleep(0.3)  # sessions closed, buffers released
        for what, got in (("EGD client", taken), ("trng-httpd", raw), ("egd-feed", fed)):
            check(got and data.find(got[:64]) >= 0, "%s got bytes that are not the source's" % what)
        pids = {"egdd": egd.proc.pid, "trng-httpd": httpd.proc.pid, "egd-feed": feed.pid}
        secrets = {"egdd": taken + raw + fed, "trng-httpd": raw + body[body.find(b"["):],
                   "egd-feed": fed}
        for name, pid in pids.items():
            check(not_dumpable(pid), "%s (pid %d) is dumpable" % (name, pid))
            check(core_limit(pid) == ["0", "0"], "%s: core limit %s" % (name, core_limit(pid)))
            locked, dd = check_smaps(name, pid)
            found = leaks(pid, needle_index(secrets[name]))
            check(not found, "%s still holds %d copies of bytes it served or fed, at %s"
                  % (name, len(found), found[:5]))
            print("%s: not dumpable, core limit 0, %d locked and %d dont-dump mappings, "
                  "no served byte left in memory" % (name, locked, dd))
    finally:
        feed.terminate()
        feed.wait(timeout=10)
    print("PASS")


if __name__ == "__main__":
    main()
