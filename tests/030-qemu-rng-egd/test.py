#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A QEMU guest reads /dev/hwrng backed by virtio-rng -> rng-egd -> egdd's unix socket.

QEMU (TCG, no KVM) boots Debian's cloud kernel with a busybox initramfs (built
once by tests/lib/build_guest.py into EGD_TEST_CACHE). Its /init reads N bytes from
/dev/hwrng and prints them as hex on the serial console. QEMU's rng-egd backend
fetches them from egdd with blocking "02 40" requests, so every byte the guest
prints must come from egdd's file source, in contiguous ranges of the file. The
chardev is a unix socket (path=), as QEMU connects to the stunnel client's socket in
production (docs/clients.md; test 061 goes through stunnel).
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
import qemutest  # noqa: E402
from egdtest import fail  # noqa: E402


def main():
    started = time.time()
    kernel, initrd, desc = qemutest.build()
    built = time.time()
    with egdtest.workdir("egdtest-030-") as wd:
        src = os.path.join(wd, "random.bin")
        source = egdtest.write_random_file(src, 256 * 1024)
        console = os.path.join(wd, "console.log")
        source_keys = {"kind": "file", "path": src, "offset_file": os.path.join(wd, "offset")}
        with egdtest.Egdd(wd, source=source_keys, wait_bytes=4096) as egdd:
            qemutest.run_guest(kernel, initrd, console, qemutest.rng_options(egdd.unix_path))
            status = egdd.status()
        current, data = qemutest.guest_read(console)
    print("guest: %s; rng_current = %s" % (desc, current))
    runs = qemutest.contiguous_runs(data, source)
    lo = min(off for _, off, _ in runs)
    hi = max(off + n for _, off, n in runs)
    served = status["bytes_served"]
    if served < len(data):
        fail("egdd bytes_served %d < %d bytes the guest read" % (served, len(data)))
    if hi - lo > served:
        fail("guest bytes span source[%d:%d], more than the %d bytes egdd served" % (lo, hi, served))
    print("guest read %d bytes = %s; egdd bytes_served %d (the kernel's hwrng core takes some too)"
          % (len(data), qemutest.describe_runs(runs), served))
    print("PASS (%.1fs, guest build %.1fs)" % (time.time() - started, built - started))


if __name__ == "__main__":
    main()
