# SPDX-License-Identifier: Apache-2.0
"""Debian's ekeyd-egd-linux as the tests run it (020 against egdd, 061 through the
stunnel client), and the checks of what it fed the kernel.

egd-linux only asks its EGD server for bytes when /dev/random polls writable, which
kernels >= 5.18 never report once the CRNG is up. It runs under the /dev/random
recorder (rndshim.py), which grants POLLOUT ROUNDS times and records every
RNDADDENTROPY. ekeyd-egd-linux speaks TCP only (-H takes a numeric address).
"""
import contextlib
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from egdtest import fail  # noqa: E402
from rndshim import read_records  # noqa: E402

EGD_LINUX = "/usr/sbin/ekeyd-egd-linux"
BLOCKS = 3            # -b: 128-byte requests ("02 80") per POLLOUT
SHANNONS = 6          # -S: bits credited per byte (the man page says -s; getopt wants -S)
ROUNDS = 2            # POLLOUTs the shim grants
EXPECTED = ROUNDS * BLOCKS * 128


def require():
    if not os.path.exists(EGD_LINUX):
        fail(EGD_LINUX + " missing: apt-get install ekeyd-egd-linux")


@contextlib.contextmanager
def running(shim, log, port, mode):
    """ekeyd-egd-linux in the foreground, asking 127.0.0.1:port, under the shim (log,
    EGD_SHIM_IOCTL=mode); SIGTERM at the end. -r 0: it exits instead of retrying if
    the server is gone."""
    env = dict(os.environ, LD_PRELOAD=shim, EGD_SHIM_LOG=log, EGD_SHIM_IOCTL=mode,
               EGD_SHIM_POLLOUT_MAX=str(ROUNDS))
    proc = subprocess.Popen([EGD_LINUX, "-H", "127.0.0.1", "-p", str(port), "-b", str(BLOCKS),
                             "-S", str(SHANNONS), "-r", "0", "-t", "30"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)


def wait_for_bytes(proc, log, n, timeout=30):
    """Waits until the shim recorded n bytes; fails if egd-linux exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = sum(len(r.data) for r in read_records(log))
        if got >= n:
            return got
        if proc.poll() is not None:
            fail("ekeyd-egd-linux exited %d after %d bytes:\n%s"
                 % (proc.returncode, got, proc.stderr.read()))
        time.sleep(0.05)
    fail("only %d of %d bytes reached RNDADDENTROPY within %ds" % (got, n, timeout))


def check_records(records, source):
    """Every RNDADDENTROPY: at most 128 bytes, credited SHANNONS bits a byte, returned 0;
    all of them together one contiguous range of `source` (egdd's file, served in
    order). Returns the offset."""
    stream = b"".join(r.data for r in records)
    for r in records:
        if r.size != len(r.data) or not 0 < r.size <= 128:
            fail("bad RNDADDENTROPY buffer: buf_size %d, %d bytes" % (r.size, len(r.data)))
        if r.entropy != r.size * SHANNONS:
            fail("entropy_count %d for %d bytes, expected %d (-S %d)"
                 % (r.entropy, r.size, r.size * SHANNONS, SHANNONS))
        if r.data not in source:
            fail("an RNDADDENTROPY chunk of %d bytes is not in egdd's source file" % r.size)
        if r.rc != 0:
            fail("RNDADDENTROPY failed: rc %d errno %d (%s)" % (r.rc, r.errno,
                                                                os.strerror(r.errno)))
    offset = source.find(stream)
    if offset < 0:
        fail("the %d bytes fed to the kernel are not one contiguous range of the source file"
             % len(stream))
    return offset
