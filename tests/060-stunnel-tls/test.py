#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""EGD (and HTTPS) over TLS with the stunnel/ templates and a PKI made by scripts/egd-pki.

Two entropy hosts A and B on loopback, each egdd (file source; a proxy:unix listener
in a 0750 directory, as /run/egdd/proxy/egd.sock) <- stunnel server
(egd-server.conf.in, CRL, handshake limit); one stunnel client (egd-client.conf.in,
hosts A then B, source address 127.0.0.2, a unix socket for local clients, running as
an unprivileged user from the start as under systemd) <- Python EGD clients. Every
actor connects from its own 127.0.0.x so egdd's per-address statistics (fed by the
PROXY header) show who got through. Checked:
  - egd-pki (pkicheck.py): key types, lifetimes, usages, modes, repeats unchanged,
    wildcards and clashing names refused, the CRL made by init, revoke and crl;
  - bytes arrive end to end through the client's unix socket, from A's file, and egdd
    A counts them for 127.0.0.2 (PROXY header over the unix socket), not for stunnel;
  - the client runs as its own user (no root phase), reading its own 0400 key;
  - time limits (timeouts.py): idle connection threads poll without a timeout (strace);
    a stalled handshake is reset after HANDSHAKE_TIMEOUT while idle EGD sessions stay;
  - refused, with egdd unaffected: no client certificate, another CA, a name not on
    the allow-list, a host (serverAuth) certificate under an allowed name, TLS 1.1;
  - revocation: egd-pki revoke + SIGHUP: the revoked client's new connections and
    resumed sessions are refused (stunnel logs "certificate revoked"); its established
    connection and other clients' stay up; other clients connect anew;
  - egdd's proxy:unix listener closes connections without a valid header;
  - PSK variant end to end; a wrong key is refused;
  - HTTPS (httpscheck.py): public service (403 for control) and operator service
    (mutual TLS) in front of trng-httpd's roles, with curl;
  - failover: A stopped, the client is fed by B; B's host certificate revoked: the
    client (its own CRL copy, SIGHUP) refuses B.
"""
import contextlib
import os
import pwd
import shutil
import ssl
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import httpscheck  # noqa: E402
import pkicheck  # noqa: E402
import stunneltest as st  # noqa: E402
import timeouts  # noqa: E402
from stunneltest import egdtest, fail  # noqa: E402

CHAIN_SRC = "127.0.0.2"      # the stunnel client's source address towards the hosts
CONTROL_SRC = "127.0.0.3"    # direct TLS clients that must be accepted
REJECT_SRC = "127.0.0.4"     # direct TLS clients that must be refused
PSK_SRC = "127.0.0.5"        # the PSK stunnel client's source address
SOURCE_SIZE = 256 * 1024
HANDSHAKE_TIMEOUT = 2        # the servers' limit here (production default: 15 s)
CLIENT_USER = "stunnel4"     # Debian's stunnel4 package makes it; production: stunnel-egd-client


class Host:
    """An entropy host: egdd (file source) <- stunnel server on its own port."""

    def __init__(self, wd, name, pki, allowed, stack):
        self.name = name
        path = os.path.join(wd, name)
        os.makedirs(path)
        src = os.path.join(path, "random.bin")
        self.source = egdtest.write_random_file(src, SOURCE_SIZE)
        self.egdd = stack.enter_context(
            st.ProxyEgdd(path, st.file_source(path, src), wait_bytes=SOURCE_SIZE // 2))
        cert, key = pki.host(name)
        self.port = egdtest.free_port()
        self.stunnel = stack.enter_context(st.Stunnel(
            path, "stunnel-server", "egd-server.conf.in", self.port,
            ACCEPT="127.0.0.1:%d" % self.port, CONNECT=self.egdd.proxy_path, CERT=cert, KEY=key,
            CAFILE=pki.ca, CRLFILE=pki.crl, ALLOWED_CLIENTS=",".join(allowed),
            HANDSHAKE_TIMEOUT=str(HANDSHAKE_TIMEOUT)))

    def stop(self):
        self.stunnel.stop()
        self.egdd.stop()


class Client:
    """The stunnel client as under systemd: started as its own user (no root phase, no
    setuid lines), reading its own copies of key (0400), certificate, CA and CRL, its
    unix socket in a directory of its own. As root when that user is missing."""

    def __init__(self, wd, pki, hosts, stack):
        try:
            pw = pwd.getpwnam(CLIENT_USER)
            self.user = CLIENT_USER if os.geteuid() == 0 else None
        except KeyError:
            self.user = None
        uid, gid = (pw.pw_uid, pw.pw_gid) if self.user else (os.getuid(), os.getgid())
        os.chmod(wd, 0o711)    # let the user reach its directories below
        self.etc, run = os.path.join(wd, "client-etc"), os.path.join(wd, "client-run")
        for d, mode in ((self.etc, 0o700), (run, 0o750)):
            os.mkdir(d, mode)
            os.chown(d, uid, gid)
        self.pki, self.uid, self.gid = pki, uid, gid
        cert, key = pki.leaf("clients", "hv1")
        for src, mode in ((cert, 0o444), (key, 0o400), (pki.ca, 0o444)):
            self.install(src, mode)
        self.update_crl()
        self.socket = os.path.join(run, "egd.sock")
        self.stunnel = stack.enter_context(st.Stunnel(
            wd, "stunnel-client", "egd-client.conf.in", self.socket, run_as=self.user,
            ACCEPT=self.socket, CONNECT=",".join("127.0.0.1:%d" % h.port for h in hosts),
            HOST_NAMES=",".join(h.name for h in hosts), CERT=self.path(cert),
            KEY=self.path(key), CAFILE=self.path(pki.ca), CRLFILE=self.path(pki.crl),
            SOURCE_ADDRESS=CHAIN_SRC))

    def path(self, src):
        return os.path.join(self.etc, os.path.basename(src))

    def install(self, src, mode):
        shutil.copyfile(src, self.path(src) + ".tmp")
        os.chmod(self.path(src) + ".tmp", mode)
        os.chown(self.path(src) + ".tmp", self.uid, self.gid)
        os.rename(self.path(src) + ".tmp", self.path(src))

    def update_crl(self):
        """Copies the CA's current crl.pem (as Puppet distributes it)."""
        self.install(self.pki.crl, 0o444)


def read_via(port, n, src=CHAIN_SRC):
    """One EGD client on a local stunnel endpoint: (egdd pid that answered, n bytes)."""
    with st.egd_connect(port, src) as s:
        pid = egdtest.egd_pid(s)
        return pid, egdtest.egd_read_blocking(s, n)


def totals(egdd):
    return {a: c["connections_total"] for a, c in egdd.by_address().items()}


def new_connections(before, after):
    """{address: connections opened since `before`} for addresses that opened some."""
    return {a: n - before.get(a, 0) for a, n in after.items() if n != before.get(a, 0)}


def check_end_to_end(a, client_sock):
    before = totals(a.egdd)
    pid, data = read_via(client_sock, 200)
    if pid != str(a.egdd.proc.pid):
        fail("EGD 04 through the tunnel answered pid %s, not host A's egdd %d" % (pid, a.egdd.proc.pid))
    off = st.assert_in_source(data, a.source, "bytes through stunnel client -> server -> egdd")
    new = new_connections(before, totals(a.egdd))
    if new != {CHAIN_SRC: 1}:
        fail("egdd A should count one connection from the client's address %s (PROXY header "
             "over its proxy:unix listener), not from stunnel; new connections by address: %s"
             % (CHAIN_SRC, new))
    print("end to end: the client's unix socket -> TLS -> egdd's proxy:unix listener: 200 bytes "
          "= A's source[%d:%d]; egdd A counts the connection for %s" % (off, off + 200, CHAIN_SRC))


def check_unprivileged(client):
    """The client runs as its own user from the start, with no capabilities."""
    if not client.user:
        print("SKIP unprivileged client: not root or no %s user; it ran as uid %d"
              % (CLIENT_USER, os.geteuid()))
        return
    status = {}
    with open("/proc/%d/status" % client.stunnel.proc.pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.split()
    if set(status["Uid"]) != {str(client.uid)} or int(status["CapEff"][0], 16) != 0:
        fail("stunnel client: Uid %s CapEff %s, expected only uid %d and no capabilities"
             % (status["Uid"], status["CapEff"], client.uid))
    if "setuid" in open(client.stunnel.conf).read():
        fail("the client's configuration switches user (setuid): SETUID should be empty")
    print("unprivileged: the stunnel client runs as %s from the start (no setuid, no "
          "capabilities), reading its own 0400 key and making its unix socket" % client.user)


def check_rejections(a, pki, other, client_port):
    """Each refused attempt differs from an accepted control in one thing only."""
    chain = st.egd_connect(client_port)
    egdtest.egd_read_blocking(chain, 32)
    before = a.egdd.stats()["egd"]["connections"]
    hv1 = pki.leaf("clients", "hv1")
    good = st.tls_context(pki.ca, hv1)
    data, version = st.tls_egd_read(a.port, good, "entropy1", CONTROL_SRC)
    st.assert_in_source(data, a.source, "control client (hv1, %s)" % version)
    old = st.tls_context(pki.ca, hv1, ssl.TLSVersion.TLSv1_1, "DEFAULT@SECLEVEL=0")
    check_client_speaks_tls11(old, pki)
    # (what, client context, the reason stunnel's log must give for the refusal)
    cases = [
        ("no client certificate", st.tls_context(pki.ca), ["peer did not return a certificate"]),
        ("certificate from another CA (name hv1)", st.tls_context(pki.ca, other),
         ["unable to get local issuer certificate", "Rejected by CERT at depth=0: CN=hv1"]),
        ("valid certificate, name 'intruder' not on the allow-list",
         st.tls_context(pki.ca, pki.leaf("clients", "intruder")),
         ["Subject checks failed", "Rejected by CERT at depth=0: CN=intruder"]),
        ("a host certificate (serverAuth only) named hv2, on the allow-list",
         st.tls_context(pki.ca, pki.leaf("hosts", "hv2")),
         ["unsuitable certificate purpose", "Rejected by CERT at depth=0: CN=hv2"]),
        ("TLS 1.1 (valid certificate)", old, ["unsupported protocol"]),
    ]
    for what, ctx, reasons in cases:
        mark = len(a.stunnel.log_text())
        why = st.refused(lambda: st.tls_egd_read(a.port, ctx, "entropy1", REJECT_SRC))
        egdtest.wait_for(lambda: all(r in a.stunnel.log_text()[mark:] for r in reasons),
                         "stunnel server to log %s for: %s" % (reasons, what))
        if what.startswith("TLS 1.1") and "PROTOCOL_VERSION" not in why:
            fail("TLS 1.1 was refused, but not with the server's protocol_version alert: " + why)
        served = egdtest.egd_read_blocking(chain, 32)   # egdd and the tunnel go on serving
        st.assert_in_source(served, a.source, "established client after a refusal")
        print("refused: %s: server log %r; client %s; the established client still gets bytes"
              % (what, reasons[-1], why))
    stats = a.egdd.stats()
    chain.close()
    if stats["state"] != "running":
        fail("egdd A is %s after the refused clients" % stats["state"])
    if stats["egd"]["connections"] != before + 1:
        fail("egdd A counted %d new connections; only the control client should have reached it"
             % (stats["egd"]["connections"] - before))
    seen = {c["address"] for c in stats["clients_by_address"]}
    if REJECT_SRC in seen or CONTROL_SRC not in seen:
        fail("egdd A's clients %s: want %s (control) and not %s (refused)"
             % (sorted(seen), CONTROL_SRC, REJECT_SRC))
    print("egdd A: 1 new connection (the control client), none from %s" % REJECT_SRC)


def check_client_speaks_tls11(ctx, pki):
    """The TLS 1.1 client context completes a TLS 1.1 handshake with openssl s_server."""
    cert, key = pki.leaf("hosts", "entropy1")
    port = egdtest.free_port()
    server = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                               "-cert", cert, "-key", key, "-tls1_1", "-cipher",
                               "DEFAULT@SECLEVEL=0", "-naccept", "1", "-quiet"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        egdtest.wait_for(lambda: egdtest.listening(port), "openssl s_server")
        with ctx.wrap_socket(st.egd_connect(port), server_hostname="entropy1") as s:
            if s.version() != "TLSv1.1":
                fail("the TLS 1.1 client negotiated %s with openssl s_server" % s.version())
    finally:
        server.kill()
        server.wait()



def check_revocation(a, pki, client_sock):
    """egd-pki revoke + SIGHUP: hv2's new connections are refused, and so is a session
    it resumed before (after the reload stunnel 5.68 does not resume it: the full
    handshake checks the new CRL);
    established connections (hv2's own, as stunnel 5.68 keeps them, and the tunnel's)
    stay up; other clients connect anew."""
    hv2 = st.tls_context(pki.ca, pki.leaf("clients", "hv2"))
    chain = st.egd_connect(client_sock)
    egdtest.egd_read_blocking(chain, 16)
    established = hv2.wrap_socket(st.egd_connect(a.port, CONTROL_SRC), server_hostname="entropy1")
    st.assert_in_source(egdtest.egd_read_blocking(established, 16), a.source, "hv2 before revoke")
    session = established.session
    with hv2.wrap_socket(st.egd_connect(a.port, CONTROL_SRC), server_hostname="entropy1",
                         session=session) as s:
        egdtest.egd_read_blocking(s, 16)
        if not s.session_reused:
            fail("hv2 could not resume its TLS session before the revocation")
    serial = pkicheck.cert_serial(pki.leaf("clients", "hv2")[0])
    out = pki.revoke("client", "hv2")
    if serial not in pkicheck.crl_serials(pki.crl):
        fail("egd-pki revoke did not put hv2's serial %s on the CRL: %s" % (serial, out))
    a.stunnel.reload()
    mark = len(a.stunnel.log_text())
    why = st.refused(lambda: st.tls_egd_read(a.port, hv2, "entropy1", REJECT_SRC))
    egdtest.wait_for(lambda: "certificate revoked" in a.stunnel.log_text()[mark:],
                     "stunnel to log 'certificate revoked'")

    def resume():
        with hv2.wrap_socket(st.egd_connect(a.port, REJECT_SRC), server_hostname="entropy1",
                             session=session) as s:
            return egdtest.egd_read_blocking(s, 16)
    resumed = st.refused(resume)
    egdtest.wait_for(lambda: a.stunnel.log_text()[mark:].count("certificate revoked") == 2,
                     "stunnel to log 'certificate revoked' for the resumption too")
    for what, sock in (("hv2's established connection", established), ("the tunnel", chain)):
        st.assert_in_source(egdtest.egd_read_blocking(sock, 16), a.source, what + " after reload")
    established.close()
    chain.close()
    pid, _ = read_via(client_sock, 16)   # hv1 connects anew
    if pid != str(a.egdd.proc.pid):
        fail("after the reload a new tunnel connection was not served by A")
    if REJECT_SRC in a.egdd.by_address():
        fail("a revoked connection reached egdd A")
    print("revocation: egd-pki revoke client hv2 + SIGHUP: new hv2 connections refused (%s; "
          "stunnel: certificate revoked), resuming its pre-reload session too (%s); established "
          "ones (hv2's own, the tunnel's) still served; hv1 connects anew" % (why, resumed))


def check_proxy_listener(a):
    before = a.egdd.stats()["egd"]
    for what, first in (("no header", b"\x02\x10"), ("malformed header", b"PROXY TCP4 x\r\n\x02\x10")):
        with a.egdd.proxy_connect() as s:
            s.sendall(first)
            if not egdtest.closed_within(s, 5):
                fail("egdd's proxy:unix listener kept a connection with %s open" % what)
    # The header is trusted as sent: only the TLS front end's group may enter the directory.
    with a.egdd.proxy_connect() as s:
        s.sendall(b"PROXY TCP4 192.0.2.9 127.0.0.1 40000 7776\r\n")
        st.assert_in_source(egdtest.egd_read_blocking(s, 16), a.source, "valid PROXY header")
    after = a.egdd.stats()
    if after["egd"]["proxy_rejected"] - before["proxy_rejected"] != 2:
        fail("egdd proxy_rejected went %d -> %d, expected +2"
             % (before["proxy_rejected"], after["egd"]["proxy_rejected"]))
    if "192.0.2.9" not in {c["address"] for c in after["clients_by_address"]}:
        fail("egdd did not take the client address from the PROXY header")
    with a.egdd.connect(unix=True) as s:      # the plain unix listener still serves local clients
        st.assert_in_source(egdtest.egd_read_blocking(s, 16), a.source, "plain listener")
    print("proxy:unix listener: no header and a malformed header closed (proxy_rejected +2); "
          "a valid header's address is used; the plain unix listener serves")


def check_psk(wd, b, pki):
    secrets = pki.psk("hv1")
    wrong = os.path.join(wd, "wrong.psk")
    with open(wrong, "w") as f:
        f.write("hv1:%s\n" % os.urandom(32).hex())
    os.chmod(wrong, 0o600)
    port = egdtest.free_port()
    with contextlib.ExitStack() as stack:
        stack.enter_context(st.Stunnel(
            wd, "psk-server", "egd-server-psk.conf.in", port, ACCEPT="127.0.0.1:%d" % port,
            CONNECT=b.egdd.proxy_path, PSK_SECRETS=pki.psk_server))
        clients = {}
        for name, path in (("psk-client", secrets), ("psk-client-wrong", wrong)):
            sock = os.path.join(wd, name + ".sock")
            stack.enter_context(st.Stunnel(
                wd, name, "egd-client-psk.conf.in", sock, ACCEPT=sock,
                CONNECT="127.0.0.1:%d" % port, PSK_SECRETS=path, SOURCE_ADDRESS=PSK_SRC))
            clients[name] = sock
        pid, data = read_via(clients["psk-client"], 128)
        if pid != str(b.egdd.proc.pid):
            fail("PSK tunnel answered pid %s, not host B's egdd" % pid)
        st.assert_in_source(data, b.source, "PSK tunnel")
        before = b.egdd.stats()["egd"]["connections"]

        def wrong_read():
            with st.egd_connect(clients["psk-client-wrong"]) as s:
                return egdtest.egd_read_blocking(s, 16)
        why = st.refused(wrong_read)
        if b.egdd.stats()["egd"]["connections"] != before:
            fail("a client with a wrong PSK reached egdd B")
        if PSK_SRC not in b.egdd.by_address():
            fail("egdd B does not see the PSK client's address %s" % PSK_SRC)
    print("PSK: 128 bytes from B through the PSK tunnel (unix sockets at both ends); a wrong "
          "key is refused (%s)" % why)


def check_failover(a, b, client_sock):
    chain = st.egd_connect(client_sock)
    if egdtest.egd_pid(chain) != str(a.egdd.proc.pid):
        fail("with both hosts up the client was not served by A (the first connect line)")
    a.stop()
    if not egdtest.closed_within(chain, 10):
        fail("the client's connection through stopped host A stayed open")
    chain.close()
    for i in range(3):
        pid, data = read_via(client_sock, 100)
        if pid != str(b.egdd.proc.pid):
            fail("after A stopped, reconnect %d was answered by pid %s, not host B" % (i, pid))
        st.assert_in_source(data, b.source, "after failover")
    if CHAIN_SRC not in b.egdd.by_address():
        fail("egdd B does not list the failed-over client %s" % CHAIN_SRC)
    print("failover: A stopped (its client got EOF); 3 reconnects fed by B")


def check_host_revocation(b, pki, client):
    """B's host certificate revoked, the client's CRL copy updated + SIGHUP: the client
    refuses B, and nothing reaches B's egdd."""
    pki.revoke("host", "entropy2")
    client.update_crl()
    client.stunnel.reload()
    mark = len(client.stunnel.log_text())
    before = b.egdd.stats()["egd"]["connections"]
    why = st.refused(lambda: read_via(client.socket, 16))
    egdtest.wait_for(lambda: "certificate revoked" in client.stunnel.log_text()[mark:],
                     "the stunnel client to log 'certificate revoked'")
    if b.egdd.stats()["egd"]["connections"] != before:
        fail("a connection reached egdd B after its host certificate was revoked")
    print("host revocation: entropy2 revoked, the client's CRL updated + SIGHUP: the client "
          "refuses B (certificate revoked; local client: %s)" % why)


def main():
    st.require_stunnel()
    if not st.egdd_has_proxy_listener():
        fail("egdd does not accept a proxy:unix: listener (egdd --check-config)")
    with egdtest.workdir("egdtest-060-") as wd, contextlib.ExitStack() as stack:
        pki = st.Pki(os.path.join(wd, "pki"))
        for name in ("hv1", "hv2", "intruder"):
            pki.client(name)
        pki.operator("alice")
        other = st.Pki(os.path.join(wd, "other-ca"))
        other_hv1 = other.client("hv1")
        pki.host("entropy1")
        pki.host("hv2")     # a server certificate under a client's name: refused as a client
        pki.psk("hv1")
        pkicheck.check_pki(pki, os.path.join(wd, "scratch-ca"))
        a = Host(wd, "entropy1", pki, ["hv1", "hv2"], stack)
        b = Host(wd, "entropy2", pki, ["hv1", "hv2"], stack)
        client = Client(wd, pki, [a, b], stack)
        check_end_to_end(a, client.socket)
        check_unprivileged(client)
        timeouts.check_idle_never_times_out([client.stunnel, a.stunnel], client.socket)
        timeouts.check_handshake_timeout(a, st.tls_context(pki.ca, pki.leaf("clients", "hv1")),
                                         HANDSHAKE_TIMEOUT, client.socket, CONTROL_SRC)
        check_rejections(a, pki, other_hv1, client.socket)
        check_revocation(a, pki, client.socket)
        check_proxy_listener(a)
        check_psk(wd, b, pki)
        httpscheck.check_https(wd, pki, stack)
        check_failover(a, b, client.socket)
        check_host_revocation(b, pki, client)


if __name__ == "__main__":
    st.run_main(main)
