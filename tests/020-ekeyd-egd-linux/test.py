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
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdlinux  # noqa: E402
import egdtest  # noqa: E402
from egdlinux import BLOCKS, EXPECTED, ROUNDS, SHANNONS  # noqa: E402
from egdtest import fail  # noqa: E402
from rndshim import build_shim, ioctl_mode, read_records  # noqa: E402


def kernel_at_least(major, minor):
    parts = platform.release().split(".")
    try:
        return (int(parts[0]), int(parts[1].split("-")[0])) >= (major, minor)
    except (IndexError, ValueError):
        return False


def main():
    started = time.time()
    egdlinux.require()
    shim = build_shim()
    mode = ioctl_mode()
    with egdtest.workdir("egdtest-020-") as wd:
        src = os.path.join(wd, "random.bin")
        source = egdtest.write_random_file(src, 64 * 1024)
        log = os.path.join(wd, "shim.log")
        source_keys = {"kind": "file", "path": src, "offset_file": os.path.join(wd, "offset")}
        with egdtest.Egdd(wd, source=source_keys, wait_bytes=EXPECTED) as egdd, \
                egdlinux.running(shim, log, egdd.port, mode) as proc:
            egdlinux.wait_for_bytes(proc, log, EXPECTED)
            # Without the shim's POLLOUT egd-linux must now sit idle: the kernel
            # never asks for entropy (>= 5.18), so no further request is made.
            time.sleep(1.0)
            records = read_records(log)
            if proc.poll() is not None:
                fail("ekeyd-egd-linux exited %d:\n%s" % (proc.returncode, proc.stderr.read()))
            status = egdd.status()
        fed = sum(len(r.data) for r in records)
        if kernel_at_least(5, 18) and fed != EXPECTED:
            fail("egd-linux fed %d bytes, expected exactly %d (%d POLLOUTs x %d x 128)"
                 % (fed, EXPECTED, ROUNDS, BLOCKS))
        offset = egdlinux.check_records(records, source)
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
