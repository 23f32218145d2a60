#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The attacks of issue 12, tried against the README's stack (scripts/run-stack:
trng-sim, egdd, trng-httpd, stunnel servers for EGD, public HTTPS and operators, the
stunnel client), each asserted refused with nothing changed, next to the legitimate
paths that must keep working. Attacks that need a configuration run-stack does not
have (limits, a TCP PROXY listener) run against an egdd of their own. The browser
(051), the fleet across hosts (091) and memory (121) have tests of their own.
"""
import os
import pwd
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
import stacktest  # noqa: E402
import stunneltest  # noqa: E402

BUILD = os.environ.get("EGD_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
NOBODY = pwd.getpwnam("nobody")


fail, check = egdtest.fail, egdtest.check


def ok(msg):
    print("ok: " + msg, flush=True)


def as_nobody(code):
    """Runs python code as user nobody; returns (exit code, output)."""
    r = subprocess.run(["setpriv", "--reuid=%d" % NOBODY.pw_uid, "--regid=%d" % NOBODY.pw_gid,
                        "--clear-groups", "--", sys.executable, "-c", code],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


# --- 1. Operator control is authenticated ----------------------------------------------

def operator_control(st):
    for op in ("shutdown", "restart", "init"):
        r = st.https(op)  # public HTTPS: server-only TLS, no client certificate
        check(r.status == 403, "public HTTPS %s: %d %r" % (op, r.status, r.body))
        check(st.state() == "running", "public HTTPS %s changed the state to %s" % (op, st.state()))
    r = st.https("getRandom?numBits=16&quantity=4")
    check(r.status == 200 and len(r.json()) == 4, "public getRandom: %d" % r.status)
    check(st.https("status").json().get("role") == "public", "public HTTPS does not say its role")
    metrics = st.curl("http://127.0.0.1:%d/metrics" % stacktest.HTTP).body.decode()
    check('trng_egdd_connections_refused_total{reason="per_address"}' in metrics and
          'trng_httpd_requests_refused_total{reason="role"} 3' in metrics,
          "/metrics does not count the refusals:\n" + metrics)
    ok("public HTTPS: shutdown/restart/init 403 with the device still running; getRandom works")

    r = st.https("shutdown", port=stacktest.OPERATOR)
    check(r.status == 0 and r.rc != 0, "operator service without a certificate answered %d" % r.status)
    r = st.https("shutdown", *st.cert("clients", "vm1"), port=stacktest.OPERATOR)
    check(r.status == 0 and r.rc != 0, "operator service took an EGD client's certificate: %d" % r.status)
    check(st.state() == "running", "a refused operator request changed the state")
    ok("operator service refuses no certificate and an EGD client's certificate (TLS)")

    ctx = stunneltest.tls_context(st.path("pki", "ca.crt"), st.leaf("operators", "admin"))
    why = stunneltest.refused(lambda: stunneltest.tls_egd_read(stacktest.EGD_TLS, ctx,
                                                                 "entropy-host")[0])
    check(why, "the EGD service served an operator certificate")
    ok("EGD over TLS refuses an operator certificate (not on the client allow-list)")

    r = st.operator("shutdown")
    check(r.status == 200 and st.state() == "standby", "operator shutdown: %d %s" % (r.status, st.state()))
    r = st.operator("init")
    check(r.status == 200 and st.state() == "running", "operator init: %d %s" % (r.status, st.state()))
    check(st.operator("status").json().get("role") == "operator", "operator role not reported")
    ok("an operator certificate on :8444 shuts the device down and initialises it")


# --- 2. Browsers cannot be used against it ----------------------------------------------

def browsers(st):
    for header in ("Origin: http://evil.example", "Sec-Fetch-Site: cross-site", "Origin: null"):
        for op in ("shutdown", "getRandom?numBits=8"):
            r = st.http(op, "-H", header)
            check(r.status == 403, "%s with %s: %d %r" % (op, header, r.status, r.body))
    check(st.state() == "running", "a cross-site request changed the state")
    r = st.http("getRandom?numBits=8", "-H", "Origin: http://127.0.0.1:%d" % stacktest.HTTP,
                "-H", "Sec-Fetch-Site: same-origin")
    check(r.status == 200, "a same-origin request was refused: %d" % r.status)
    ok("cross-site requests (foreign Origin, Origin null, Sec-Fetch-Site) 403, state unchanged")

    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        r = st.http("getRandom?numBits=8", "-H", "Host: " + host)
        check(r.status == 421, "Host %s: %d %r" % (host, r.status, r.body))
    check(st.http("getRandom?numBits=8&quantity=2").status == 200, "plain curl on loopback refused")
    ok("foreign Host (DNS rebinding) 421; the manual's plain GET API works on loopback")

    # Test data only to its requester: two HTTPS clients, told apart by their
    # source addresses, which stunnel passes on in its PROXY header.
    a, b = ("--interface", "127.0.0.2"), ("--interface", "127.0.0.3")
    r = st.https("generateTestdata?numBits=4096", *a)
    check(r.status == 200, "generateTestdata: %d %r" % (r.status, r.body))
    token = r.json()["token"]
    check(st.https("downloadFile", *a).status == 555, "downloadFile without a token served a file")
    check(st.https("downloadFile?token=" + token, *b).status == 555,
          "another client downloaded the file with the token")
    r = st.https("downloadFile?token=" + token, *a)
    check(r.status == 200 and len(r.body) == 512, "the requester's download: %d" % r.status)
    check(st.https("downloadFile?token=" + token, *a).status == 555, "the file is still there")
    check(not os.listdir(st.path("files")), "files left: %s" % os.listdir(st.path("files")))
    ok("test data: no token 555, another client 555, requester 200, then deleted")


# --- 3. Identities cannot be spoofed; 4. hops are unix sockets ----------------------------

def spoofing_and_hops(st):
    os.chmod(st.run, 0o755)  # as /run: everyone may traverse; the socket directories decide
    code = """
import socket, sys
def connect(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return "connected"
    except PermissionError:
        return "denied"
    finally:
        s.close()
print(connect(sys.argv[1]) if False else "")
for p in %r:
    print(p, connect(p))
s = socket.socket(socket.AF_UNIX)
try:
    s.bind(%r)
    print("bound")
except PermissionError:
    print("bind denied")
""" % ([st.path("proxy", "egd.sock"), st.path("httpd-public", "http.sock"),
         st.path("httpd-operator", "http.sock"), st.path("egd.sock")], st.path("proxy", "x.sock"))
    rc, out = as_nobody(code)
    check(rc == 0, "probe as nobody failed: %s" % out)
    for name in ("proxy/egd.sock", "httpd-public/http.sock", "httpd-operator/http.sock"):
        check("%s denied" % st.path(name) in out, "a local user reached %s: %s" % (name, out))
    check("%s connected" % st.path("egd.sock") in out, "local EGD clients are locked out: " + out)
    check("bind denied" in out, "a local user could create a socket beside egdd's: " + out)
    ok("a local user cannot reach the PROXY sockets or plant one; plain local EGD works")

    egdd = st.pid_of(r"egdd/egdd ")
    httpd = st.pid_of(r"trng-httpd ")
    check(len(egdd) == 1 and len(httpd) == 1, "egdd/trng-httpd pids: %s %s" % (egdd, httpd))
    check(tcp_listening(egdd[0]) == [], "egdd listens on TCP: %s" % tcp_listening(egdd[0]))
    check(tcp_listening(httpd[0]) == [("127.0.0.1", stacktest.HTTP)],
          "trng-httpd's TCP listeners: %s" % tcp_listening(httpd[0]))
    client = st.pid_of(r"stunnel4 .*egd-client")
    check(client and tcp_listening(client[0]) == [], "the stunnel client listens on TCP")
    ok("our own hops are unix sockets: egdd and the stunnel client have no TCP listener")


def tcp_listening(pid):
    """[(address, port)] of the TCP sockets process `pid` listens on."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    host, port = fields[1].split(":")
                    addr = socket.inet_ntop(socket.AF_INET6 if v6 else socket.AF_INET,
                                            bytes.fromhex(host)[::-1] if not v6 else
                                            b"".join(bytes.fromhex(host[i:i + 8])[::-1]
                                                     for i in range(0, 32, 8)))
                    out.append((addr, int(port, 16)))
    return sorted(out)


def proxy_limits(wd):
    """PROXY on TCP from an untrusted peer; one IPv6 client in six spellings and across
    its /64; a rate limit that fresh addresses no longer dodge; one address holding
    every slot. Run against an egdd configured for it."""
    os.mkdir(wd)
    bad = os.path.join(wd, "bad.toml")
    with open(bad, "w") as f:
        f.write('[source]\nkind = "os"\n[egd]\nlisten = ["proxy:127.0.0.1:%d"]\n' % egdtest.free_port())
    r = subprocess.run([egdtest.EGDD, "--check-config", bad], capture_output=True, text=True)
    check(r.returncode == 1 and "proxy_trusted_peers" in r.stdout + r.stderr,
          "a TCP PROXY listener without trusted peers was accepted: %s" % (r.stdout + r.stderr))
    source = os.path.join(wd, "capture.bin")
    egdtest.write_random_file(source, 1 << 20)
    egd = egdtest.Egdd(wd, {"kind": "file", "path": source}, proxy_unix=True, proxy_tcp=True,
                       egd_keys={"proxy_trusted_peers": ["192.0.2.1"], "client_rate_limit": 100,
                                 "client_burst": 255, "max_clients": 8})
    sock, tcp = egd.proxy_unix_path, egd.proxy_port
    with egd:
        egd.wait_pool(20000)
        with socket.create_connection(("127.0.0.1", tcp), timeout=5) as s:
            s.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.1 5000 7776\r\n\x02\x10")
            check(egdtest.refused_within(s, 5), "an untrusted TCP peer's PROXY header was taken")
        ok("a TCP PROXY listener closes peers that are not trusted")

        spellings = ["2001:db8:1:2::7", "2001:DB8:1:2::7", "2001:db8:1:2:0::7",
                     "2001:db8:1:2:0:0:0:7", "2001:0db8:0001:0002::0007", "2001:db8:1:2:ffff::9"]
        got, started = 0, time.time()
        for i in range(40):
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(sock)
                s.sendall(("PROXY TCP6 %s 2001:db8::1 %d 7776\r\n" % (spellings[i % 6], 40000 + i))
                          .encode() + b"\x01\xff")
                n = egdtest.recv_exact(s, 1)[0]
                got += len(egdtest.recv_exact(s, n))
        elapsed = time.time() - started
        check(got <= 255 + 100 * elapsed + 1, "40 x 255 B in %.2f s: %d bytes past a 100 B/s limit"
              % (elapsed, got))
        keys_seen = [c["address"] for c in egd.stats()["clients_by_address"]]
        check(keys_seen.count("2001:db8:1:2::/64") == 1 and not any("::7" in k for k in keys_seen),
              "one /64 counted under several keys: %s" % keys_seen)
        ok("six spellings of one IPv6 address and its /64: one client, %d bytes in %.2f s" % (got, elapsed))

        holders = []
        for i in range(8):
            s = socket.create_connection(("127.0.0.1", egd.port), timeout=5,
                                         source_address=("127.0.0.2", 0))
            holders.append(s)
        time.sleep(0.3)
        open_count = sum(not egdtest.refused_within(s, 0.2) for s in holders)
        other = socket.create_connection(("127.0.0.1", egd.port), timeout=5,
                                         source_address=("127.0.0.3", 0))
        check(egdtest.egd_entropy(other) >= 0, "another address was refused")
        check(open_count == 2, "one address holds %d of 8 slots" % open_count)
        check(egd.stats()["egd"].get("rejected_per_address", 0) >= 6, "refusals not counted")
        check(egd.status()["connections_refused"]["per_address"] >= 6,
              "refusals missing from the status trng-httpd's /metrics reads")
        for s in holders + [other]:
            s.close()
        ok("8 idle connections from one address hold 2 of 8 slots; another address is served")


# --- 6. An alarm stops output at once ----------------------------------------------------

def alarm(st):
    check(st.sim("fan-stop").startswith("ok"), "trng-sim fan-stop")
    st.wait_state("failed", 30)
    with st.egd() as s:
        check(egdtest.egd_entropy(s) == 0, "00 after the alarm is not 0")
        check(egdtest.egd_read_nonblocking(s, 255) == b"", "01 served bytes after the alarm")
    r = st.http("getRandom?numBits=8")
    check(r.status == 555, "getRandom after the alarm: %d" % r.status)
    waiter = st.egd(timeout=60)
    waiter.sendall(b"\x02\x40")
    check(not egdtest.closed_within(waiter, 2), "a waiting 02 reader was disconnected")
    check(st.sim("fan-start").startswith("ok"), "trng-sim fan-start")
    r = st.operator("init")
    check(r.status in (200, 409), "init after the alarm: %d %r" % (r.status, r.body))
    st.wait_state("running", 30)
    check(len(egdtest.recv_exact(waiter, 0x40)) == 0x40, "the waiting reader was not served")
    waiter.close()
    ok("alarm: 00 = 0, 01 empty, getRandom 555, a waiting 02 reader kept and served after init")


# --- 9. PKI: revocation takes effect at a reload -------------------------------------------

def revocation(st):
    established = st.egd(st.path("client", "egd.sock"), timeout=30)
    check(len(egdtest.egd_read_blocking(established, 16)) == 16, "EGD through the client stunnel")
    r = subprocess.run([os.path.join(stacktest.REPO, "scripts", "egd-pki"), "revoke", st.pki,
                        "client", "vm1"], capture_output=True, text=True)
    check(r.returncode == 0, "egd-pki revoke: %s" % r.stderr)
    os.kill(st.egd_server_pid, 1)
    egdtest.wait_for(lambda: "Configuration successful" in
                     open(st.path("stunnel-egd-server.log")).read().split("SIGHUP")[-1],
                     "the EGD stunnel reloaded", 10)
    time.sleep(0.5)
    fresh = st.egd(st.path("client", "egd.sock"), timeout=10)
    fresh.sendall(b"\x02\x10")
    check(egdtest.refused_within(fresh, 10), "the revoked client got a new connection")
    fresh.close()
    check(len(egdtest.egd_read_blocking(established, 16)) == 16,
          "the reload dropped an established connection")
    established.close()
    check(st.operator("status").status == 200, "the operator service was affected")
    ok("revoked vm1: new connections refused after the reload; established ones kept")


# --- 10. No replay -----------------------------------------------------------------------

def no_replay(wd):
    os.makedirs(wd, exist_ok=True)
    config = os.path.join(wd, "replay.toml")
    for extra, expect in (("", 1), ("replay = true\n", 0)):
        with open(config, "w") as f:
            f.write('[source]\nkind = "file"\npath = "%s"\n%s[egd]\nlisten = ["unix:%s/e.sock"]\n'
                    % (config, extra, wd))
        r = subprocess.run([egdtest.EGDD, "--check-config", config], capture_output=True, text=True)
        check(r.returncode == expect, "file source, %r: exit %d %s" % (extra, r.returncode,
                                                                         r.stdout + r.stderr))
        if expect:
            check("offset_file" in r.stderr + r.stdout and "replay" in r.stderr + r.stdout,
                  "the refusal does not say what to do: " + r.stderr)
    ok("a file source without offset_file refuses to start unless replay = true")


def handshake_limit():
    """A TCP connection to the EGD TLS port that never says hello: reset after the
    handshake limit (15 s). Runs beside the other checks."""
    result = {}

    def run():
        s = socket.create_connection(("127.0.0.1", stacktest.EGD_TLS))
        s.settimeout(40)
        t = time.time()
        try:
            s.recv(10)
        except OSError:
            pass
        result["after"] = time.time() - t
        s.close()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def main():
    with egdtest.workdir("egdtest-120-") as wd:
        with stacktest.RunStack(BUILD, os.path.join(wd, "run-stack.log")) as st:
            thread, stalled = handshake_limit()
            operator_control(st)
            browsers(st)
            spoofing_and_hops(st)
            alarm(st)
            revocation(st)
            thread.join(40)
            check(10 <= stalled.get("after", 99) <= 25,
                  "a stalled TLS handshake lasted %s s" % stalled.get("after"))
            ok("a TLS handshake that never starts is reset after %.1f s" % stalled["after"])
        proxy_limits(os.path.join(wd, "limits"))
        no_replay(os.path.join(wd, "replay"))
    print("PASS")


if __name__ == "__main__":
    main()
