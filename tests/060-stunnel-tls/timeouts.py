# SPDX-License-Identifier: Apache-2.0
"""Time limits of the stunnel services (test 060): an established EGD connection is
never timed out (TIMEOUTidle = -1: every idle connection thread polls without a
timeout, and a session idle longer than the handshake limit still works; a client
waiting for egdd's answer looks the same to stunnel: both sides open, nothing
buffered), while a TLS handshake that stalls for HANDSHAKE_TIMEOUT (TIMEOUTbusy) is
reset."""
import os
import shutil
import socket
import ssl
import subprocess
import time

import stunneltest as st
from stunneltest import egdtest, fail


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
        with st.egd_connect(client_port) as conn:
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
                 "(TIMEOUTidle would drop idle clients); trace in %s"
                 % (s.name, blocked or "(none seen)", out))
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


def client_hello():
    """The bytes of a real TLS ClientHello (to send half of one)."""
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="entropy1")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def seconds_until_closed(sock, started, limit):
    """Seconds from `started` until the peer closes or resets sock (None if it is still
    open `limit` s after `started`); fails if it sends data."""
    sock.settimeout(max(0.1, started + limit - time.time()))
    try:
        data = sock.recv(100)
    except socket.timeout:
        return None
    except ConnectionResetError:
        data = b""
    if data:
        fail("a stalled handshake was answered with %r" % data)
    return time.time() - started


def check_handshake_timeout(host, ctx, limit, client_sock, src):
    """Two handshakes stall (TCP only; half a ClientHello) while two EGD sessions sit idle
    (through both stunnels; straight to the server): the stalled ones are reset after
    `limit` s, the idle ones are served after being idle longer than that."""
    tunnel = st.egd_connect(client_sock)
    direct = ctx.wrap_socket(st.egd_connect(host.port, src), server_hostname="entropy1")
    for s in (tunnel, direct):
        st.assert_in_source(egdtest.egd_read_blocking(s, 16), host.source, "session before idling")
    idle_since = time.time()
    mark = len(host.stunnel.log_text())
    hello = client_hello()
    silent, silent_at = st.egd_connect(host.port, src), time.time()
    partial = st.egd_connect(host.port, src)
    partial.sendall(hello[:len(hello) // 2])
    partial_at = time.time()
    for what, s, at in (("no ClientHello", silent, silent_at),
                        ("half a ClientHello", partial, partial_at)):
        took = seconds_until_closed(s, at, limit + 5)
        s.close()
        if took is None or not limit - 0.5 <= took <= limit + 2:
            fail("stalled handshake (%s) closed after %s s, expected about %d s (HANDSHAKE_TIMEOUT)"
                 % (what, "never" if took is None else "%.1f" % took, limit))
        print("handshake limit: stalled handshake (%s) reset after %.1f s" % (what, took))
    egdtest.wait_for(lambda: host.stunnel.log_text()[mark:].count("TIMEOUTbusy exceeded") == 2,
                     "stunnel to log 'TIMEOUTbusy exceeded' twice")
    time.sleep(max(0.0, idle_since + limit + 1 - time.time()))
    for what, s in (("through both stunnels", tunnel), ("straight to the server", direct)):
        st.assert_in_source(egdtest.egd_read_blocking(s, 16), host.source, "idle session " + what)
        s.close()
    print("handshake limit: EGD sessions idle for %.1f s (> %d s) still served, through both "
          "stunnels and straight to the server" % (time.time() - idle_since, limit))
