# SPDX-License-Identifier: Apache-2.0
"""The /dev/random recorder (random_shim.c beside this file) for tests of kernel
entropy feeders: ekeyd-egd-linux (020, 061), egd-feed (070, 061, 091, 116, 127). It
records both ways bytes reach the pool: ioctl(RNDADDENTROPY) (mix and credit, needs
CAP_SYS_ADMIN) and write(2) (mix only, any user), and ioctl(RNDRESEEDCRNG) (the CRNG
takes the pool at once, CAP_SYS_ADMIN). It also stands in for the kernel's CRNG state
(getrandom(GRND_NONBLOCK)) and for a resume from suspend (a CLOCK_BOOTTIME jump).

build_shim() compiles it once per source version into the test cache;
read_records(log) parses the feeds it recorded, read_records(log, ALL) every line,
reseeds included. Run a feeder with
  LD_PRELOAD=<so> EGD_SHIM_LOG=<log> EGD_SHIM_IOCTL=pass|fake [EGD_SHIM_POLLOUT_MAX=n]
  [EGD_SHIM_CRNG_READY=kernel|<file>] [EGD_SHIM_BOOTTIME_OFFSET=<file>]
("fake": nothing reaches the kernel, by any of the three calls; has_cap_sys_admin()
says whether "pass" can work for the ioctls). Without EGD_SHIM_CRNG_READY the CRNG
looks never ready, as early in boot: feeders credit as configured. "kernel" asks the
kernel; a file path: not ready until the file exists. The offset file holds seconds
added to CLOCK_BOOTTIME (write a larger number to fake a resume). environment() sets
these variables for feeders started inside it (feedtest.Feed copies os.environ).
"""
import contextlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import egdtest  # noqa: E402


def build_shim():
    """Path of the compiled shim; raises RuntimeError if the compiler fails."""
    return egdtest.build_shim(os.path.join(HERE, "random_shim.c"), mode=0o755)  # feeders may run as another user


def has_cap_sys_admin():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) & (1 << 21))
    return False


def ioctl_mode():
    """EGD_SHIM_IOCTL for this process: "pass" if the ioctl can reach the kernel, else "fake"."""
    return "pass" if has_cap_sys_admin() else "fake"


FEEDS = ("ioctl", "write")
ALL = ("ioctl", "write", "reseed")


@contextlib.contextmanager
def environment(**variables):
    """Sets (or, for None, removes) environment variables for the processes started
    inside the block; restores them after."""
    saved = {k: os.environ.get(k) for k in variables}
    try:
        for k, v in variables.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Record:
    """One line: t (CLOCK_MONOTONIC seconds, as time.monotonic), call ("ioctl" for
    RNDADDENTROPY, "write" for write(2), "reseed" for RNDRESEEDCRNG), entropy
    (entropy_count bits; 0 for a write or reseed), size (buf_size, or write's count;
    0 for a reseed), rc (0 ok, else -1), errno, data (the bytes; for a short write
    only those written)."""

    def __init__(self, line):
        t, call, ent, size, rc, err, *hexbuf = line.split()
        self.t = int(t) / 1e9
        self.call = call
        self.entropy = int(ent)
        self.size = int(size)
        self.rc = int(rc)
        self.errno = int(err)
        self.data = bytes.fromhex(hexbuf[0] if hexbuf else "")


def read_records(path, calls=FEEDS):
    """The whole lines of the log so far whose call is in `calls` (by default the
    feeds, RNDADDENTROPY and write), as Records ([] if there is no log yet)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        records = [Record(line) for line in f if line.endswith("\n")]
    return [r for r in records if r.call in calls]
