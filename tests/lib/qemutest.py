# SPDX-License-Identifier: Apache-2.0
"""A QEMU guest whose /dev/hwrng is virtio-rng backed by rng-egd (tests 030 and 061).

The guest (build_guest.py: Debian's cloud kernel, a busybox initramfs with
qemu_guest_init.sh as /init) reads GUEST_BYTES bytes from /dev/hwrng, prints them as
hex between marker lines on the serial console and powers off. QEMU runs under TCG
(no KVM). The checks: the guest's current hwrng is virtio_rng, it read all the bytes,
and they are contiguous ranges of egdd's file source.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_guest  # noqa: E402
from egdtest import cache_dir, fail  # noqa: E402

QEMU = "qemu-system-x86_64"
GUEST_BYTES = 256
MIN_RUN = 16  # a 16-byte random string found in the file is no coincidence
BOOT_TIMEOUT = 120


def build():
    """Fails unless QEMU is installed; returns (kernel, initrd, description) of the guest,
    built once into the test cache."""
    if not shutil.which(QEMU):
        fail(QEMU + " missing: apt-get install qemu-system-x86")
    return build_guest.build(cache_dir())


def rng_options(path):
    """virtio-rng fed by rng-egd from the unix socket `path`."""
    return ["-chardev", "socket,id=egd,path=%s" % path,
            "-object", "rng-egd,id=rng0,chardev=egd",
            "-device", "virtio-rng-pci,rng=rng0"]


def run_guest(kernel, initrd, console, rng, cpu=None, append="", timeout=BOOT_TIMEOUT):
    """Boots the guest with the rng options `rng` (see rng_options), its console in the
    file `console`, and waits for it to power off. cpu: a -cpu model (QEMU's default,
    qemu64, if None); append: more kernel parameters, after the default ones (so
    e.g. loglevel= overrides quiet); timeout in seconds."""
    cmd = [QEMU, "-nodefaults", "-no-user-config", "-machine", "pc", "-accel", "tcg",
           "-m", "256", "-display", "none", "-no-reboot",
           "-serial", "file:" + console,
           "-kernel", kernel, "-initrd", initrd,
           "-append", ("console=ttyS0 quiet panic=-1 egdtest.bytes=%d %s"
                       % (GUEST_BYTES, append)).strip()] + (["-cpu", cpu] if cpu else []) + rng
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        fail("guest did not power off within %ds; console:\n%s" % (timeout, read_text(console)))
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


def guest_read(console):
    """(rng_current, bytes) the guest printed on `console`; fails unless its hwrng was
    virtio_rng and it read GUEST_BYTES bytes."""
    text = read_text(console)
    current, data = parse_console(text)
    if current is None or "virtio_rng" not in current:
        fail("guest's current hwrng is %r, not virtio_rng; console:\n%s" % (current, text))
    if len(data) != GUEST_BYTES:
        fail("guest read %d bytes from /dev/hwrng, wanted %d" % (len(data), GUEST_BYTES))
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


def describe_runs(runs):
    return " + ".join("source[%d:%d]" % (off, off + n) for _, off, n in runs)
