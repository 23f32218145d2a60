#!/usr/bin/env python3
"""Builds (once, cached) the tiny guest for the QEMU rng-egd tests (030, 061; qemutest.py).

Kernel: Debian's cloud kernel, fetched with `apt-get download` and unpacked with
dpkg-deb -x into the cache (nothing is installed). Initramfs: a newc cpio
(written here, gzip) holding the static busybox, qemu_guest_init.sh as /init and the
virtio modules the kernel does not build in, in dependency order.

Usage: build_guest.py CACHE_DIR  -> prints the kernel and initrd paths.
"""
import gzip
import hashlib
import io
import lzma
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
META_PACKAGE = "linux-image-cloud-amd64"
BUSYBOX = "/bin/busybox"
# Modules the guest needs; their dependencies are added from each .ko's modinfo.
WANTED = ["virtio_pci", "virtio_rng"]


def kernel_package():
    r = subprocess.run(["apt-cache", "depends", META_PACKAGE], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        m = re.match(r"\s*Depends:\s*(linux-image-\S+)", line)
        if m:
            return m.group(1)
    return None


def fetch_kernel(pkg, dest):
    """Unpacks package pkg into dest (atomically); returns dest."""
    if os.path.isdir(dest):
        return dest
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent) as tmp:
        r = subprocess.run(["apt-get", "download", pkg], cwd=tmp, capture_output=True, text=True)
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        if r.returncode != 0 or not debs:
            raise RuntimeError("apt-get download %s failed:\n%s%s" % (pkg, r.stdout, r.stderr))
        tree = os.path.join(tmp, "tree")
        subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, debs[0]), tree], check=True)
        os.remove(os.path.join(tmp, debs[0]))
        try:
            os.rename(tree, dest)
        except OSError:
            if not os.path.isdir(dest):  # lost a race with a parallel build: fine
                raise
    return dest


def modinfo(data, key):
    m = re.search(rb"(?:^|\0)" + key.encode() + rb"=([^\0]*)\0", data)
    return m.group(1).decode() if m else ""


def read_module(path):
    with open(path, "rb") as f:
        data = f.read()
    return lzma.decompress(data) if path.endswith(".xz") else data


def module_files(tree):
    """{module name: path} for every module in the unpacked kernel package."""
    mods = {}
    for root, _, files in os.walk(os.path.join(tree, "lib", "modules")):
        for f in files:
            m = re.match(r"(.+)\.ko(\.xz)?$", f)
            if m:
                mods[m.group(1).replace("-", "_")] = os.path.join(root, f)
    return mods


def builtin_modules(tree):
    names = set()
    for root, _, files in os.walk(os.path.join(tree, "lib", "modules")):
        if "modules.builtin" in files:
            with open(os.path.join(root, "modules.builtin")) as f:
                for line in f:
                    names.add(os.path.basename(line.strip()).split(".ko")[0].replace("-", "_"))
    return names


def load_order(tree):
    """[(name, module bytes)] for WANTED and their dependencies, dependencies first."""
    mods, builtin = module_files(tree), builtin_modules(tree)
    order, blobs = [], {}

    def visit(name):
        if name in builtin or name in blobs:
            return
        if name not in mods:
            raise RuntimeError("module %s is neither built in nor shipped" % name)
        blobs[name] = read_module(mods[name])
        for dep in filter(None, modinfo(blobs[name], "depends").split(",")):
            visit(dep.replace("-", "_"))
        order.append(name)

    for name in WANTED:
        visit(name)
    return [(n, blobs[n]) for n in order]


class Cpio:
    """Minimal writer of the 'newc' format the kernel unpacks as initramfs."""

    def __init__(self):
        self.out = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08X" % v for v in fields) + name.encode() + b"\0"
        self.out.write(hdr + b"\0" * (-len(hdr) % 4))
        self.out.write(data + b"\0" * (-len(data) % 4))

    def dir(self, name):
        self._entry(name, 0o040755)

    def file(self, name, data, perm=0o644):
        self._entry(name, 0o100000 | perm, data)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def chardev(self, name, major, minor):
        self._entry(name, 0o020600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.out.getvalue()


def make_initrd(modules, init_script, busybox):
    c = Cpio()
    for d in ["bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"]:
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.file("bin/busybox", busybox, 0o755)
    c.symlink("bin/sh", "busybox")
    c.file("init", init_script, 0o755)
    for name, blob in modules:
        c.file("lib/modules/%s.ko" % name, blob)
    c.file("lib/modules/load.order", "".join("%s.ko\n" % n for n, _ in modules).encode())
    return gzip.compress(c.finish(), compresslevel=6, mtime=0)


def find_kernel_image(tree):
    boot = os.path.join(tree, "boot")
    images = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")]
    if len(images) != 1:
        raise RuntimeError("expected one vmlinuz in %s, found %s" % (boot, images))
    return os.path.join(boot, images[0])


def build(cache):
    """Returns (kernel path, initrd path, description)."""
    base = os.path.join(cache, "qemu-guest")
    os.makedirs(base, exist_ok=True)
    current = os.path.join(base, "kernel-package")
    pkg = kernel_package()
    if pkg is None and os.path.exists(current):  # no apt metadata: reuse what we have
        with open(current) as f:
            pkg = f.read().strip()
    if pkg is None:
        raise RuntimeError("cannot resolve %s with apt-cache (apt-get update?)" % META_PACKAGE)
    tree = fetch_kernel(pkg, os.path.join(base, pkg))
    with open(current + ".tmp", "w") as f:
        f.write(pkg + "\n")
    os.replace(current + ".tmp", current)

    with open(os.path.join(HERE, "qemu_guest_init.sh"), "rb") as f:
        init_script = f.read()
    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    if b"ld-linux" in busybox[:4096] or not busybox.startswith(b"\x7fELF"):
        raise RuntimeError("%s is not a static binary: apt-get install busybox-static" % BUSYBOX)
    with open(__file__, "rb") as f:
        tag = hashlib.sha256(init_script + busybox + f.read()).hexdigest()[:16]
    initrd = os.path.join(base, "%s-initrd-%s.gz" % (pkg, tag))
    modules = load_order(tree)
    if not os.path.exists(initrd):
        tmp = "%s.%d.tmp" % (initrd, os.getpid())
        with open(tmp, "wb") as f:
            f.write(make_initrd(modules, init_script, busybox))
        os.replace(tmp, initrd)
    desc = "%s, modules %s" % (pkg, " ".join(n for n, _ in modules) or "(all built in)")
    return find_kernel_image(tree), initrd, desc


if __name__ == "__main__":
    kernel, initrd, desc = build(sys.argv[1])
    print(kernel)
    print(initrd)
    print(desc)
