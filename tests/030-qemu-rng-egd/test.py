#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A QEMU guest reads /dev/hwrng backed by virtio-rng -> rng-egd -> egdd's unix socket.

QEMU (TCG, no KVM) boots Debian's cloud kernel with a busybox initramfs (built
once by build_guest.py into EGD_TEST_CACHE). Its /init reads N bytes from
/dev/hwrng and prints them as hex on the serial console. QEMU's rng-egd backend
fetches them from egdd with blocking "02 40" requests, so every byte the guest
prints must come from egdd's file source, in contiguous ranges of the file. The
chardev is a unix socket (path=), as QEMU connects to the stunnel client's socket in
production (docs/clients.md; test 061 goes through stunnel).
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import build_guest  # noqa: E402
import egdtest  # noqa: E402

QEMU = "qemu-system-x86_64"
GUEST_BYTES = 256
MIN_RUN = 16  # a 16-byte random string found in the file is no coincidence
BOOT_TIMEOUT = 120


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def cache_dir():
    d = os.environ.get("EGD_TEST_CACHE") or os.path.join(HERE, "..", "..", "build", "test-cache")
    os.makedirs(d, exist_ok=True)
    return d


def run_guest(kernel, initrd, path, console):
    cmd = [QEMU, "-nodefaults", "-no-user-config", "-machine", "pc", "-accel", "tcg",
           "-m", "256", "-display", "none", "-no-reboot",
           "-serial", "file:" + console,
           "-kernel", kernel, "-initrd", initrd,
           "-append", "console=ttyS0 quiet panic=-1 egdtest.bytes=%d" % GUEST_BYTES,
           "-chardev", "socket,id=egd,path=%s" % path,
           "-object", "rng-egd,id=rng0,chardev=egd",
           "-device", "virtio-rng-pci,rng=rng0"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=BOOT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        fail("guest did not power off within %ds; console:\n%s" % (BOOT_TIMEOUT, read_text(console)))
    if proc.returncode != 0:
        fail("qemu exited %d: %s\nconsole:\n%s" % (proc.returncode, out, read_text(console)))


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return "(no console output)"


def parse_console(text):
    """(rng_current, bytes) from the guest's marker lines."""
    lines = text.replace("\r", "").split("\n")
    current = next((l.split(None, 1)[1] if " " in l else "" for l in lines
                    if l.startswith("EGDTEST-RNG-CURRENT")), None)
    try:
        begin = next(i for i, l in enumerate(lines) if l.startswith("EGDTEST-HWRNG-BEGIN"))
        end = next(i for i, l in enumerate(lines) if l.startswith("EGDTEST-HWRNG-END"))
    except StopIteration:
        fail("guest printed no hwrng markers; console:\n" + text)
    data = bytes.fromhex("".join("".join(lines[begin + 1:end]).split()))
    return current, data


def contiguous_runs(data, source):
    """Splits data into maximal pieces that are contiguous ranges of source.

    Returns [(offset in data, offset in source, length)]; fails if a piece
    shorter than MIN_RUN would be needed (it could match by chance).
    """
    runs, p = [], 0
    while p < len(data):
        head = data[p:p + MIN_RUN]
        off = source.find(head) if len(head) == MIN_RUN else -1
        if off < 0:
            fail("guest bytes [%d:%d] are not in egdd's source file" % (p, p + MIN_RUN))
        n = MIN_RUN
        while p + n < len(data) and off + n < len(source) and data[p + n] == source[off + n]:
            n += 1
        runs.append((p, off, n))
        p += n
    return runs


def main():
    started = time.time()
    if subprocess.run(["which", QEMU], capture_output=True).returncode != 0:
        fail(QEMU + " missing: apt-get install qemu-system-x86")
    kernel, initrd, desc = build_guest.build(cache_dir())
    built = time.time()
    with egdtest.workdir("egdtest-030-") as wd:
        src = os.path.join(wd, "random.bin")
        source = egdtest.write_random_file(src, 256 * 1024)
        console = os.path.join(wd, "console.log")
        source_keys = {"kind": "file", "path": src, "offset_file": os.path.join(wd, "offset")}
        with egdtest.Egdd(wd, source=source_keys, wait_bytes=4096) as egdd:
            run_guest(kernel, initrd, egdd.unix_path, console)
            status = egdd.status()
        text = read_text(console)
    current, data = parse_console(text)
    print("guest: %s; rng_current = %s" % (desc, current))
    if current is None or "virtio_rng" not in current:
        fail("guest's current hwrng is %r, not virtio_rng; console:\n%s" % (current, text))
    if len(data) != GUEST_BYTES:
        fail("guest read %d bytes from /dev/hwrng, wanted %d" % (len(data), GUEST_BYTES))
    runs = contiguous_runs(data, source)
    lo = min(off for _, off, _ in runs)
    hi = max(off + n for _, off, n in runs)
    served = status["bytes_served"]
    if served < len(data):
        fail("egdd bytes_served %d < %d bytes the guest read" % (served, len(data)))
    if hi - lo > served:
        fail("guest bytes span source[%d:%d], more than the %d bytes egdd served" % (lo, hi, served))
    print("guest read %d bytes = %s; egdd bytes_served %d (the kernel's hwrng core takes some too)"
          % (len(data), " + ".join("source[%d:%d]" % (off, off + n) for _, off, n in runs), served))
    print("PASS (%.1fs, guest build %.1fs)" % (time.time() - started, built - started))


if __name__ == "__main__":
    main()
