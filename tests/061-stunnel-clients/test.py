#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The three EGD client kinds of docs/clients.md, fed through the TLS tunnel:

  egdd (file source, proxy:unix listener) <- stunnel server (egd-server.conf.in, CRL)
    <- stunnel client (egd-client.conf.in, source address 127.0.0.2), accepting on a
       unix socket and, for ekeyd-egd-linux only, on 127.0.0.1:P
    <- a QEMU guest's virtio-rng (rng-egd, unix chardev) | egd-feed (unix:) over the
       socket; ekeyd-egd-linux (TCP only) over the port

Each client must receive bytes of egdd's source file (contiguous ranges: raw mode
serves the file in order) and egdd must count its connections for 127.0.0.2 (the
PROXY header), proving the bytes came through both stunnels. The client-side
tooling is the one tests 020, 030 and 070 use (tests/lib: egdlinux.py, qemutest.py,
feedtest.py, and rndshim.py's POLLOUT/RNDADDENTROPY recorder). QEMU runs with the exact
-chardev/-object/-device options docs/clients.md gives (the socket's path replaced),
and the documented libvirt <rng> XML (a unix backend) validates.
"""
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import egdlinux  # noqa: E402
import feedtest  # noqa: E402
import qemutest  # noqa: E402
import stunneltest as st  # noqa: E402
from rndshim import build_shim, ioctl_mode, read_records  # noqa: E402
from stunneltest import egdtest, fail  # noqa: E402

CHAIN_SRC = "127.0.0.2"
SOURCE_SIZE = 512 * 1024
DOC = os.path.join(TESTS, "..", "docs", "clients.md")
DOC_SOCKET = "/run/stunnel-egd-client/egd.sock"   # the production path in the document


class Tunnel:
    """egdd <- stunnel server <- stunnel client; .socket is the client's unix socket,
    .port its TCP accept (for ekeyd-egd-linux)."""

    def __init__(self, wd, stack):
        pki = st.Pki(os.path.join(wd, "pki"))
        host_cert, host_key = pki.host("entropy1")
        cert, key = pki.client("hv1")
        src = os.path.join(wd, "random.bin")
        self.source = egdtest.write_random_file(src, SOURCE_SIZE)
        egdd_dir = os.path.join(wd, "egdd")
        self.egdd = stack.enter_context(st.ProxyEgdd(egdd_dir, st.file_source(egdd_dir, src),
                                                     wait_bytes=SOURCE_SIZE // 2))
        server_port = egdtest.free_port()
        stack.enter_context(st.Stunnel(
            wd, "stunnel-server", "egd-server.conf.in", server_port,
            ACCEPT="127.0.0.1:%d" % server_port, CONNECT=self.egdd.proxy_path,
            CERT=host_cert, KEY=host_key, CAFILE=pki.ca, CRLFILE=pki.crl, ALLOWED_CLIENTS="hv1"))
        run = os.path.join(wd, "stunnel-egd-client")
        os.mkdir(run, 0o750)
        self.socket = os.path.join(run, "egd.sock")
        self.port = egdtest.free_port()
        stack.enter_context(st.Stunnel(
            wd, "stunnel-client", "egd-client.conf.in", self.socket,
            ACCEPT="%s,127.0.0.1:%d" % (self.socket, self.port),
            CONNECT="127.0.0.1:%d" % server_port, HOST_NAMES="entropy1", CERT=cert, KEY=key,
            CAFILE=pki.ca, CRLFILE=pki.crl, SOURCE_ADDRESS=CHAIN_SRC))
        egdtest.wait_for(lambda: egdtest.listening(self.port), "the stunnel client's TCP accept")

    @contextlib.contextmanager
    def through(self, what):
        """Checks that whatever runs inside reached egdd only via the tunnel (at least one
        new connection, all counted for the stunnel client's address); yields a dict that
        receives the egdd bytes_served delta."""
        def totals():
            return {a: c["connections_total"] for a, c in self.egdd.by_address().items()}
        before, served = totals(), self.egdd.status()["bytes_served"]
        out = {}
        yield out
        after = totals()
        new = {a: n - before.get(a, 0) for a, n in after.items() if n != before.get(a, 0)}
        if set(new) != {CHAIN_SRC}:
            fail("%s: egdd counted new connections %s, expected only from %s (the tunnel)"
                 % (what, new, CHAIN_SRC))
        out["connections"] = new[CHAIN_SRC]
        out["served"] = self.egdd.status()["bytes_served"] - served


def check_egd_linux(wd, tunnel):
    egdlinux.require()
    shim = build_shim()
    mode = ioctl_mode()
    log = os.path.join(wd, "egd-linux-shim.log")
    with tunnel.through("ekeyd-egd-linux") as seen, \
            egdlinux.running(shim, log, tunnel.port, mode) as proc:
        egdlinux.wait_for_bytes(proc, log, egdlinux.EXPECTED)
        time.sleep(0.5)
    records = read_records(log)
    offset = egdlinux.check_records(records, tunnel.source)
    fed = sum(len(r.data) for r in records)
    if seen["served"] != fed:
        fail("egdd served %d bytes while ekeyd-egd-linux fed %d" % (seen["served"], fed))
    print("ekeyd-egd-linux: %d bytes through the TCP accept = source[%d:%d], credited %d bits/byte, "
          "ioctl %s" % (fed, offset, offset + fed, egdlinux.SHANNONS, mode))


def documented_qemu_options(path):
    """The -chardev/-object/-device options of docs/clients.md, with the test's socket."""
    with open(DOC) as f:
        text = f.read()
    opts = []
    for flag, prefix in (("-chardev", "socket,"), ("-object", "rng-egd,"), ("-device", "virtio-rng-pci,")):
        m = re.search(r"^\s*%s (%s\S+)" % (flag, re.escape(prefix)), text, re.M)
        if not m:
            fail("docs/clients.md has no '%s %s...' line" % (flag, prefix))
        opts += [flag, m.group(1).replace("path=" + DOC_SOCKET, "path=" + path)]
    if "path=%s," % path not in opts[1] + ",":
        fail("the documented -chardev does not name path=%s: %s" % (DOC_SOCKET, opts[1]))
    return opts


def check_documented_libvirt_xml(wd):
    """The <rng> element of docs/clients.md validates against libvirt's domain schema."""
    with open(DOC) as f:
        m = re.search(r"```xml\n(<rng model='virtio'>.*?</rng>)\n```", f.read(), re.S)
    if not m:
        fail("docs/clients.md has no <rng model='virtio'> XML block")
    if "type='unix'" not in m.group(1) or "path='%s'" % DOC_SOCKET not in m.group(1):
        fail("the documented <rng> backend does not connect to the unix socket %s" % DOC_SOCKET)
    if not shutil.which("virt-xml-validate"):
        print("SKIP libvirt XML: virt-xml-validate missing (apt-get install libvirt-clients)")
        return
    path = os.path.join(wd, "domain.xml")
    with open(path, "w") as f:
        f.write("<domain type='kvm'><name>egdtest</name><memory unit='MiB'>256</memory>"
                "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>%s</devices>"
                "</domain>\n" % m.group(1))
    r = subprocess.run(["virt-xml-validate", path, "domain"], capture_output=True, text=True)
    if r.returncode != 0:
        fail("the documented libvirt <rng> XML does not validate: %s%s" % (r.stdout, r.stderr))
    print("libvirt: the documented <rng> XML validates against libvirt's domain schema")


def check_qemu(wd, tunnel):
    kernel, initrd, desc = qemutest.build()
    console = os.path.join(wd, "console.log")
    with tunnel.through("QEMU rng-egd") as seen:
        qemutest.run_guest(kernel, initrd, console, documented_qemu_options(tunnel.socket))
    _, data = qemutest.guest_read(console)
    runs = qemutest.contiguous_runs(data, tunnel.source)
    if seen["served"] < len(data):
        fail("egdd served %d bytes, fewer than the %d the guest read" % (seen["served"], len(data)))
    print("QEMU guest (%s), options from docs/clients.md: /dev/hwrng = virtio_rng, %d bytes = %s, "
          "via the stunnel client's unix socket (%d connection)"
          % (desc.split(",")[0], len(data), qemutest.describe_runs(runs), seen["connections"]))


def check_egd_feed(wd, tunnel):
    if not os.path.exists(feedtest.EGD_FEED):
        print("SKIP egd-feed: %s not built (set EGD_FEED)" % feedtest.EGD_FEED)
        return
    shim = build_shim()
    mode = ioctl_mode()
    log = os.path.join(wd, "egd-feed-shim.log")
    with tunnel.through("egd-feed") as seen:
        feed = feedtest.Feed(["--connect", "unix:" + tunnel.socket, "--seed-bytes", "64",
                       "--reseed-bytes", "32", "--interval", "0.2", "--bits-per-byte", "4"],
                      shim, log, mode)
        try:
            feedtest.wait_records(log, 4, feed)
        finally:
            feed.stop()
    records = read_records(log)
    offset = feedtest.check_fed(records, tunnel.source, 4, "egd-feed through stunnel")
    fed = sum(r.size for r in records)
    if seen["served"] != fed:
        fail("egdd served %d bytes while egd-feed fed %d" % (seen["served"], fed))
    print("egd-feed: %d feeds, %d bytes through the unix socket = source[%d:%d], 4 bits/byte credited, "
          "ioctl %s" % (len(records), fed, offset, offset + fed, mode))


def main():
    st.require_stunnel()
    with egdtest.workdir("egdtest-061-") as wd, contextlib.ExitStack() as stack:
        tunnel = Tunnel(wd, stack)
        check_egd_linux(wd, tunnel)
        check_qemu(wd, tunnel)
        check_documented_libvirt_xml(wd)
        check_egd_feed(wd, tunnel)


if __name__ == "__main__":
    st.run_main(main)
