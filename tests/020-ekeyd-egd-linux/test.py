#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Debian's ekeyd-egd-linux takes entropy from egdd and feeds it to the kernel.

egd-linux only asks its EGD server for bytes when /dev/random polls writable,
which kernels >= 5.18 never report once the CRNG is up. An LD_PRELOAD shim
(tests/lib/random_shim.c) grants POLLOUT a fixed number of times and records every
RNDADDENTROPY ioctl (then passes it on to the kernel). We check that the bytes
egd-linux handed to the kernel are egdd's file source, in order, credited as
egd-linux claims, and that egdd counted them as served. ekeyd-egd-linux speaks TCP
only (-H takes a numeric address), so egdd gets a loopback TCP listener here, as an
operator adds one for it (docs/clients.md: the risk of a TCP port); test 061 feeds it
through the stunnel client's TCP accept.
"""
import os
import platform
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
from rndshim import build_shim, has_cap_sys_admin, read_records  # noqa: E402,F401

EGD_LINUX = "/usr/sbin/ekeyd-egd-linux"
BLOCKS = 3            # -b: 128-byte requests ("02 80") per POLLOUT
SHANNONS = 6          # -S: bits credited per byte (the man page says -s; getopt wants -S)
ROUNDS = 2            # POLLOUTs the shim grants
EXPECTED = ROUNDS * BLOCKS * 128


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def kernel_at_least(major, minor):
    parts = platform.release().split(".")
    try:
        return (int(parts[0]), int(parts[1].split("-")[0])) >= (major, minor)
    except (IndexError, ValueError):
        return False


def wait_for_bytes(proc, log, n, timeout):
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


def run_egd_linux(shim, log, port, mode):
    env = dict(os.environ, LD_PRELOAD=shim, EGD_SHIM_LOG=log, EGD_SHIM_IOCTL=mode,
               EGD_SHIM_POLLOUT_MAX=str(ROUNDS))
    # No -D: stays in the foreground. -r 0: exit instead of retrying if egdd is gone.
    return subprocess.Popen([EGD_LINUX, "-H", "127.0.0.1", "-p", str(port), "-b", str(BLOCKS),
                             "-S", str(SHANNONS), "-r", "0", "-t", "30"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def check_records(records, source):
    stream = b"".join(r.data for r in records)
    for ent, size, buf in ((r.entropy, r.size, r.data) for r in records):
        if size != len(buf) or not 0 < size <= 128:
            fail("bad RNDADDENTROPY buffer: buf_size %d, %d bytes" % (size, len(buf)))
        if ent != size * SHANNONS:
            fail("entropy_count %d for %d bytes, expected %d (-S %d)" % (ent, size, size * SHANNONS, SHANNONS))
        if buf not in source:
            fail("an RNDADDENTROPY chunk of %d bytes is not in egdd's source file" % size)
    offset = source.find(stream)
    if offset < 0:
        fail("the %d bytes fed to the kernel are not one contiguous range of the source file"
             % len(stream))
    return offset


def main():
    started = time.time()
    if not os.path.exists(EGD_LINUX):
        fail(EGD_LINUX + " missing: apt-get install ekeyd-egd-linux")
    shim = build_shim()
    mode = "pass" if has_cap_sys_admin() else "fake"
    with egdtest.workdir("egdtest-020-") as wd:
        src = os.path.join(wd, "random.bin")
        source = egdtest.write_random_file(src, 64 * 1024)
        log = os.path.join(wd, "shim.log")
        source_keys = {"kind": "file", "path": src, "offset_file": os.path.join(wd, "offset")}
        with egdtest.Egdd(wd, source=source_keys, wait_bytes=EXPECTED) as egdd:
            proc = run_egd_linux(shim, log, egdd.port, mode)
            try:
                wait_for_bytes(proc, log, EXPECTED, timeout=30)
                # Without the shim's POLLOUT egd-linux must now sit idle: the kernel
                # never asks for entropy (>= 5.18), so no further request is made.
                time.sleep(1.0)
                records = read_records(log)
                if proc.poll() is not None:
                    fail("ekeyd-egd-linux exited %d:\n%s" % (proc.returncode, proc.stderr.read()))
                status = egdd.status()
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=10)
        fed = sum(len(r.data) for r in records)
        if kernel_at_least(5, 18) and fed != EXPECTED:
            fail("egd-linux fed %d bytes, expected exactly %d (%d POLLOUTs x %d x 128)"
                 % (fed, EXPECTED, ROUNDS, BLOCKS))
        offset = check_records(records, source)
        bad = [r for r in records if r.rc != 0]
        if bad:
            fail("RNDADDENTROPY failed: rc %d errno %d (%s)" % (bad[0].rc, bad[0].errno, os.strerror(bad[0].errno)))
        if status["bytes_served"] != fed:
            fail("egdd bytes_served %d, but egd-linux (its only client) fed %d"
                 % (status["bytes_served"], fed))
        print("ekeyd-egd-linux: %d RNDADDENTROPY calls, %d bytes = source[%d:%d], %d bits credited, "
              "ioctl %s (%s)" % (len(records), fed, offset, offset + fed, fed * SHANNONS,
                                  "passed to the kernel, all returned 0" if mode == "pass" else "faked",
                                  "CAP_SYS_ADMIN" if mode == "pass" else "no CAP_SYS_ADMIN"))
        print("egdd status: bytes_served %d, pool_bytes %d" % (status["bytes_served"], status["pool_bytes"]))
    print("PASS (%.1fs)" % (time.time() - started))


if __name__ == "__main__":
    main()
