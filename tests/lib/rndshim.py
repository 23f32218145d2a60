# SPDX-License-Identifier: Apache-2.0
"""The /dev/random recorder (random_shim.c beside this file) for tests of kernel
entropy feeders: ekeyd-egd-linux (020, 061), egd-feed (070, 061, 091). It records
both ways bytes reach the pool: ioctl(RNDADDENTROPY) (mix and credit, needs
CAP_SYS_ADMIN) and write(2) (mix only, any user).

build_shim() compiles it once per source version into the test cache;
read_records(log) parses what it recorded. Run a feeder with
  LD_PRELOAD=<so> EGD_SHIM_LOG=<log> EGD_SHIM_IOCTL=pass|fake [EGD_SHIM_POLLOUT_MAX=n]
("fake": nothing reaches the kernel, by either path; has_cap_sys_admin() says
whether "pass" can work for the ioctl).
"""
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


class Record:
    """One feed: t (CLOCK_MONOTONIC seconds, as time.monotonic), call ("ioctl" for
    RNDADDENTROPY, "write" for write(2)), entropy (entropy_count bits; 0 for a
    write), size (buf_size, or write's count), rc (0 ok, else -1), errno, data (the
    bytes; for a short write only those written)."""

    def __init__(self, line):
        t, call, ent, size, rc, err, *hexbuf = line.split()
        self.t = int(t) / 1e9
        self.call = call
        self.entropy = int(ent)
        self.size = int(size)
        self.rc = int(rc)
        self.errno = int(err)
        self.data = bytes.fromhex(hexbuf[0] if hexbuf else "")


def read_records(path):
    """Every whole line of the log so far, as Records ([] if there is no log yet)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [Record(line) for line in f if line.endswith("\n")]
