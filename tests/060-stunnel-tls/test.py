#!/usr/bin/env python3
"""EGD over TLS with the stunnel/ templates and a PKI made by scripts/egd-pki.

Two entropy hosts A and B on loopback, each egdd (file source, plain + PROXY
listener) <- stunnel server (egd-server.conf.in); one stunnel client
(egd-client.conf.in, hosts A then B, source address 127.0.0.2) <- Python EGD
clients. Every actor connects from its own 127.0.0.x so egdd's per-address
statistics (fed by the PROXY header) show who got through. Checked:
  - egd-pki: key types, lifetimes, usages, file modes, repeat = unchanged, no overwrite;
  - bytes arrive end to end, from A's file, and egdd A sees 127.0.0.2, not stunnel;
  - as root the client runs as the templates' default user (stunnel4) after setuid;
  - stunnel never times out an idle EGD connection (TIMEOUTidle = -1, via strace);
  - refused, with egdd unaffected (no new egdd connection; an established client
    keeps being served; stunnel logs the expected reason): no client certificate, a
    certificate from another CA, a valid certificate whose name is not on the
    allow-list, TLS 1.1 (the client is shown to speak TLS 1.1 to openssl s_server,
    so the refusal is the server's);
  - revocation: a name dropped from the allow-list + SIGHUP is refused, established
    connections stay;
  - egdd's PROXY listener closes connections without a valid header;
  - PSK variant end to end; a wrong key is refused;
  - HTTPS (https-server.conf.in) in front of trng-httpd, if it is built;
  - failover: A stopped, the client is fed by B.
"""
import contextlib
import os
import shutil
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunneltest as st  # noqa: E402
from stunneltest import egdtest, fail  # noqa: E402

CHAIN_SRC = "127.0.0.2"      # the stunnel client's source address towards the hosts
CONTROL_SRC = "127.0.0.3"    # direct TLS clients that must be accepted
REJECT_SRC = "127.0.0.4"     # direct TLS clients that must be refused
PSK_SRC = "127.0.0.5"        # the PSK stunnel client's source address
SOURCE_SIZE = 256 * 1024


class Host:
    """An entropy host: egdd (file source) <- stunnel server on its own port."""

    def __init__(self, wd, name, pki, allowed, stack):
        self.name = name
        path = os.path.join(wd, name)
        os.makedirs(path)
        src = os.path.join(path, "random.bin")
        self.source = egdtest.write_random_file(src, SOURCE_SIZE)
        self.egdd = stack.enter_context(
            st.ProxyEgdd(path, {"kind": "file", "path": src}, wait_bytes=SOURCE_SIZE // 2))
        cert, key = pki.host(name)
        self.port = egdtest.free_port()
        self.stunnel = stack.enter_context(st.Stunnel(
            path, "stunnel-server", "egd-server.conf.in", self.port,
            ACCEPT="127.0.0.1:%d" % self.port, CONNECT="127.0.0.1:%d" % self.egdd.proxy_port,
            CERT=cert, KEY=key, CAFILE=pki.ca, ALLOWED_CLIENTS=",".join(allowed)))

    def stop(self):
        self.stunnel.stop()
        self.egdd.stop()


def openssl_text(cert):
    return subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout


def days_valid(cert):
    import datetime
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-startdate", "-enddate"],
                         capture_output=True, text=True, check=True).stdout
    start, end = (datetime.datetime.strptime(l.split("=", 1)[1].strip(), "%b %d %H:%M:%S %Y %Z")
                  for l in out.splitlines())
    return (end - start).days


def check_pki(pki):
    """egd-pki: key types, lifetimes, usages, file modes, idempotence, no overwriting."""
    host_crt, host_key = pki.leaf("hosts", "entropy1")
    hv1_crt, hv1_key = pki.leaf("clients", "hv1")
    modes = {pki.path: 0o700, os.path.join(pki.path, "ca.key"): 0o600, pki.ca: 0o644,
             host_key: 0o600, host_crt: 0o644, hv1_key: 0o600, hv1_crt: 0o644,
             os.path.join(pki.path, "psk", "hv1.psk"): 0o600, pki.psk_server: 0o600}
    for path, mode in modes.items():
        if os.stat(path).st_mode & 0o777 != mode:
            fail("%s has mode %o, expected %o" % (path, os.stat(path).st_mode & 0o777, mode))
    ca, host, client = openssl_text(pki.ca), openssl_text(host_crt), openssl_text(hv1_crt)
    for name, text in (("CA", ca), ("host", host), ("client", client)):
        if "NIST CURVE: P-256" not in text or "ecdsa-with-SHA256" not in text:
            fail("%s certificate is not ECDSA P-256 / SHA-256" % name)
    if "CA:TRUE, pathlen:0" not in ca or not 3649 <= days_valid(pki.ca) <= 3651:
        fail("CA: want CA:TRUE, pathlen:0 and 10 years")
    if "TLS Web Server Authentication" not in host or "DNS:entropy1" not in host:
        fail("host certificate lacks serverAuth or DNS:entropy1")
    if "TLS Web Client Authentication" not in client or "Server Authentication" in client:
        fail("client certificate must have clientAuth only")
    if days_valid(host_crt) > 825 or days_valid(hv1_crt) > 825:
        fail("leaf certificates valid longer than 825 days")
    with open(hv1_crt, "rb") as f:
        before = f.read()
    if not all("unchanged" in st.pki(*args) for args in (("client", pki.path, "hv1"),
                                                          ("init", pki.path))):
        fail("repeating egd-pki client/init did not report 'unchanged'")
    r = subprocess.run([st.EGD_PKI, "client", pki.path, "hv1", "--san", "DNS:other"],
                       capture_output=True, text=True)
    with open(hv1_crt, "rb") as f:
        if r.returncode != 1 or f.read() != before:
            fail("egd-pki reissued hv1 with other names (exit %d) instead of refusing" % r.returncode)
    print("pki: ECDSA P-256; CA 10 years, pathlen 0; leaves <= 825 days, serverAuth/clientAuth; "
          "keys 0600, certificates 0644, dir 0700; repeats unchanged, conflicting reissue refused")


def read_via(port, n, src=CHAIN_SRC):
    """One EGD client on a local stunnel port: (egdd pid that answered, n bytes)."""
    with st.egd_connect(port, src) as s:
        pid = egdtest.egd_pid(s)
        return pid, egdtest.egd_read_blocking(s, n)


def totals(egdd):
    return {a: c["connections_total"] for a, c in egdd.by_address().items()}


def new_connections(before, after):
    """{address: connections opened since `before`} for addresses that opened some."""
    return {a: n - before.get(a, 0) for a, n in after.items() if n != before.get(a, 0)}


def check_end_to_end(a, client_port):
    before = totals(a.egdd)
    pid, data = read_via(client_port, 200)
    if pid != str(a.egdd.proc.pid):
        fail("EGD 04 through the tunnel answered pid %s, not host A's egdd %d" % (pid, a.egdd.proc.pid))
    off = st.assert_in_source(data, a.source, "bytes through stunnel client -> server -> egdd")
    new = new_connections(before, totals(a.egdd))
    if new != {CHAIN_SRC: 1}:
        fail("egdd A should count one connection from the client's address %s (PROXY header), "
             "not from stunnel's 127.0.0.1; new connections by address: %s" % (CHAIN_SRC, new))
    print("end to end: 200 bytes = A's source[%d:%d]; egdd A counts the connection for %s"
          % (off, off + 200, CHAIN_SRC))


def check_unprivileged(client):
    """The stunnel client ran with the templates' default setuid/setgid (as root only)."""
    user = st.production_user()
    if not user:
        print("SKIP setuid check: not root or no stunnel4 user; stunnel ran as %d" % os.geteuid())
        return
    import pwd
    uid = pwd.getpwnam(user).pw_uid
    if st.process_user(client.proc.pid) != (uid, uid):
        fail("stunnel client runs as uid %s, not %s (%d) after setuid"
             % (st.process_user(client.proc.pid), user, uid))
    print("unprivileged: stunnel client started as root, read its root-only key, runs as %s" % user)


def check_idle_never_times_out(stunnels, client_port):
    """Every connection thread of stunnel sits in poll() without a timeout while idle."""
    if not shutil.which("strace"):
        print("SKIP idle check: strace missing")
        return
    traces = []
    try:
        for s in stunnels:
            out = os.path.join(os.path.dirname(s.conf), "strace-%s.txt" % s.name)
            p = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=poll,ppoll", "-o", out,
                                  "-p", str(s.proc.pid)], stderr=subprocess.PIPE, text=True)
            traces.append((s, p, out))
        time.sleep(0.5)   # attached
        for s, p, _ in traces:
            if p.poll() is not None:
                print("SKIP idle check: strace cannot attach (%s)" % p.stderr.read().strip())
                return
        with st.egd_connect(client_port, CHAIN_SRC) as conn:
            egdtest.egd_read_blocking(conn, 16)
            time.sleep(1.0)   # idle: every thread is now blocked in its poll
            for _, p, _ in traces:   # detach while the connection is still open
                p.terminate()
                p.wait()
    finally:
        for _, p, _ in traces:
            if p.poll() is None:
                p.kill()
                p.wait()
    for s, p, out in traces:
        blocked = blocked_polls(out, s.proc.pid)
        if not blocked or any(t not in ("-1", "NULL") for t in blocked):
            fail("stunnel %s: idle connection threads wait in poll with timeouts %s (ms), not -1 "
                 "(TIMEOUTidle would drop idle clients); trace in %s" % (s.name, blocked or "(none seen)", out))
    print("idle: connection threads of %s wait in poll() without a timeout"
          % ", ".join(s.name for s in stunnels))


def blocked_polls(trace, pid):
    """Timeouts of the poll calls that connection threads were blocked in when strace
    detached. Lines: "TID poll([fds], NFDS, TIMEOUT) = N", "TID poll(... <unfinished ...>",
    "TID <... poll resumed>...", "TID poll(... <detached ...>". A connection thread polls
    two or three fds; the main thread (TID = pid) and stunnel's cron thread (one fd) are
    not connections. ppoll shows "no timeout" as NULL."""
    last = {}
    with open(trace) as f:
        for line in f:
            tid, rest = line.split(None, 1)
            if rest.startswith("<..."):
                if tid in last:
                    last[tid] = (last[tid][0], last[tid][1], False)
            elif rest.startswith(("poll(", "ppoll(")) and tid != str(pid):
                nfds, timeout = rest.split("], ", 1)[1].replace(",", " ").split()[:2]
                pending = "<unfinished" in rest or "<detached" in rest
                last[tid] = (int(nfds), timeout, pending)
    return [t for nfds, t, pending in last.values() if pending and nfds >= 2]


def check_rejections(a, pki, other, client_port):
    """Each refused attempt differs from an accepted control in one thing only."""
    chain = st.egd_connect(client_port, CHAIN_SRC)
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
        egdtest.wait_for(lambda: st.listening(port), "openssl s_server")
        with ctx.wrap_socket(st.egd_connect(port), server_hostname="entropy1") as s:
            if s.version() != "TLSv1.1":
                fail("the TLS 1.1 client negotiated %s with openssl s_server" % s.version())
    finally:
        server.kill()
        server.wait()


def check_revocation(a, pki, client_port):
    """Dropping a name from the allow-list and reloading (SIGHUP) locks that client out
    while established connections, of any client, stay up."""
    hv2 = st.tls_context(pki.ca, pki.leaf("clients", "hv2"))
    chain = st.egd_connect(client_port, CHAIN_SRC)
    egdtest.egd_read_blocking(chain, 16)
    raw = st.egd_connect(a.port, CONTROL_SRC)
    established = hv2.wrap_socket(raw, server_hostname="entropy1")
    st.assert_in_source(egdtest.egd_read_blocking(established, 16), a.source, "hv2 before reload")
    a.stunnel.reload(ALLOWED_CLIENTS="hv1")
    why = st.refused(lambda: st.tls_egd_read(a.port, hv2, "entropy1", REJECT_SRC))
    for what, sock in (("hv2's established connection", established), ("the tunnel", chain)):
        st.assert_in_source(egdtest.egd_read_blocking(sock, 16), a.source, what + " after reload")
    established.close()
    chain.close()
    pid, _ = read_via(client_port, 16)   # hv1 still connects anew
    if pid != str(a.egdd.proc.pid):
        fail("after the reload a new tunnel connection was not served by A")
    print("revocation: hv2 dropped from the allow-list + SIGHUP: new hv2 connections refused (%s); "
          "established ones (hv2's, the tunnel's) still served; hv1 connects anew" % why)


def check_proxy_listener(a):
    before = a.egdd.stats()["egd"]
    for what, first in (("no header", b"\x02\x10"), ("malformed header", b"PROXY TCP4 x\r\n\x02\x10")):
        with st.egd_connect(a.egdd.proxy_port) as s:
            s.sendall(first)
            if not egdtest.closed_within(s, 5):
                fail("egdd's PROXY listener kept a connection with %s open" % what)
    # The header is trusted as sent: the listener must stay on loopback.
    with st.egd_connect(a.egdd.proxy_port) as s:
        s.sendall(b"PROXY TCP4 192.0.2.9 127.0.0.1 40000 7776\r\n")
        st.assert_in_source(egdtest.egd_read_blocking(s, 16), a.source, "valid PROXY header")
    after = a.egdd.stats()
    if after["egd"]["proxy_rejected"] - before["proxy_rejected"] != 2:
        fail("egdd proxy_rejected went %d -> %d, expected +2"
             % (before["proxy_rejected"], after["egd"]["proxy_rejected"]))
    if "192.0.2.9" not in {c["address"] for c in after["clients_by_address"]}:
        fail("egdd did not take the client address from the PROXY header")
    with st.egd_connect(a.egdd.port) as s:      # the plain listener still serves local clients
        st.assert_in_source(egdtest.egd_read_blocking(s, 16), a.source, "plain listener")
    print("PROXY listener: no header and a malformed header closed (proxy_rejected +2); "
          "a valid header's address is used; the plain listener serves")


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
            CONNECT="127.0.0.1:%d" % b.egdd.proxy_port, PSK_SECRETS=pki.psk_server))
        clients = {}
        for name, path in (("psk-client", secrets), ("psk-client-wrong", wrong)):
            cport = egdtest.free_port()
            stack.enter_context(st.Stunnel(
                wd, name, "egd-client-psk.conf.in", cport, ACCEPT="127.0.0.1:%d" % cport,
                CONNECT="127.0.0.1:%d" % port, PSK_SECRETS=path, SOURCE_ADDRESS=PSK_SRC))
            clients[name] = cport
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
    print("PSK: 128 bytes from B through the PSK tunnel; a wrong key is refused (%s)" % why)


def check_https(wd, a, pki):
    sys.path.insert(0, os.path.join(st.REPO, "tests", "050-httpd-api"))
    import httpdtest
    if not os.path.exists(httpdtest.TRNG_HTTPD):
        print("SKIP https: %s not built" % httpdtest.TRNG_HTTPD)
        return
    import http.client
    path = os.path.join(wd, "https")
    os.makedirs(path)
    cert, key = pki.leaf("hosts", "entropy1")
    port = egdtest.free_port()
    with httpdtest.TrngHttpd(path, a.egdd) as httpd, st.Stunnel(
            path, "https", "https-server.conf.in", port, ACCEPT="127.0.0.1:%d" % port,
            CONNECT="127.0.0.1:%d" % httpd.port, CERT=cert, KEY=key):
        ctx = ssl.create_default_context(cafile=pki.ca)
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
        conn.sock = ctx.wrap_socket(st.egd_connect(port), server_hostname="entropy1")
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            fail("GET /healthz over HTTPS: %d %r" % (r.status, body[:200]))
        print("https: GET /healthz through stunnel -> trng-httpd: 200 (%s)" % conn.sock.version())


def check_failover(a, b, client_port):
    chain = st.egd_connect(client_port, CHAIN_SRC)
    if egdtest.egd_pid(chain) != str(a.egdd.proc.pid):
        fail("with both hosts up the client was not served by A (the first connect line)")
    a.stop()
    if not egdtest.closed_within(chain, 10):
        fail("the client's connection through stopped host A stayed open")
    chain.close()
    for i in range(3):
        pid, data = read_via(client_port, 100)
        if pid != str(b.egdd.proc.pid):
            fail("after A stopped, reconnect %d was answered by pid %s, not host B" % (i, pid))
        st.assert_in_source(data, b.source, "after failover")
    if CHAIN_SRC not in b.egdd.by_address():
        fail("egdd B does not list the failed-over client %s" % CHAIN_SRC)
    print("failover: A stopped (its client got EOF); 3 reconnects fed by B")


def main():
    if not st.STUNNEL:
        print("SKIP: stunnel4 missing (apt-get install stunnel4)")
        sys.exit(st.SKIP)
    if not st.egdd_has_proxy_listener():
        fail("egdd does not accept a proxy: listener (egdd --check-config)")
    with egdtest.workdir("egdtest-060-") as wd, contextlib.ExitStack() as stack:
        pki = st.Pki(os.path.join(wd, "pki"))
        for name in ("hv1", "hv2", "intruder"):
            pki.client(name)
        other = st.Pki(os.path.join(wd, "other-ca"))
        other_hv1 = other.client("hv1")
        pki.host("entropy1")
        pki.psk("hv1")
        check_pki(pki)
        a = Host(wd, "entropy1", pki, ["hv1", "hv2"], stack)
        b = Host(wd, "entropy2", pki, ["hv1", "hv2"], stack)
        cert, key = pki.leaf("clients", "hv1")
        client_port = egdtest.free_port()
        client = stack.enter_context(st.Stunnel(
            wd, "stunnel-client", "egd-client.conf.in", client_port,
            ACCEPT="127.0.0.1:%d" % client_port,
            CONNECT="127.0.0.1:%d,127.0.0.1:%d" % (a.port, b.port),
            HOST_NAMES="entropy1,entropy2", CERT=cert, KEY=key, CAFILE=pki.ca,
            SOURCE_ADDRESS=CHAIN_SRC, SETUID=st.production_user(), SETGID=st.production_user()))
        check_end_to_end(a, client_port)
        check_unprivileged(client)
        check_idle_never_times_out([client, a.stunnel], client_port)
        check_rejections(a, pki, other_hv1, client_port)
        check_revocation(a, pki, client_port)
        check_proxy_listener(a)
        check_psk(wd, b, pki)
        check_https(wd, a, pki)
        check_failover(a, b, client_port)


if __name__ == "__main__":
    st.run_main(main)
