#!/usr/bin/env python3
"""Client probes the fleet test runs inside a node's network namespace
(`ip netns exec NS python3 probe.py ...`). Each prints JSON objects (one per line)
and exits 0; what happened is in the JSON, so the test decides what counts as a
failure.

  probe.py egd PATH N                          plain EGD on a unix socket: 02 N
  probe.py tls HOST PORT NAME CA CERT KEY N    EGD over TLS with this client certificate
  probe.py hold HOST PORT NAME CA CERT KEY N   as tls, then waits for a line on stdin
                                               and reads N more on the same connection
  probe.py https HOST PORT NAME CA PATH        GET PATH over HTTPS (server authentication)
  probe.py https-cert HOST PORT NAME CA CERT KEY PATH   ... with a client certificate

Output: {"data": HEX, "closed": bool, "error": str|null, ...}; https adds
"status_line" and "body". "closed" means the peer ended the connection (EOF, reset or
a TLS alert) before N bytes came; a silent peer is reported as "error": "timeout",
never as closed.
"""
import json
import socket
import ssl
import sys

TIMEOUT = 10


def recv_upto(sock, n):
    """(bytes, closed): reads until n bytes, EOF or an error."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return data, True
        data += chunk
    return data, False


def egd_read(sock, n):
    sock.sendall(bytes([2, n]))
    return recv_upto(sock, n)


def guarded(fn):
    """Runs fn() -> dict; connection errors become {"closed": True, "error": ...}."""
    try:
        out = fn()
        out.setdefault("error", None)
    except socket.timeout:
        out = {"data": "", "closed": False, "error": "timeout"}
    except (ssl.SSLError, ConnectionError, EOFError, OSError) as e:
        out = {"data": "", "closed": True, "error": "%s: %s" % (type(e).__name__, e)}
    return out


def emit(out):
    print(json.dumps(out), flush=True)


def plain(path, n):
    def go():
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(TIMEOUT)
            s.connect(path)
            data, closed = egd_read(s, int(n))
            return {"data": data.hex(), "closed": closed}
    emit(guarded(go))


def context(ca, cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def tls_connect(host, port, name, ca, cert, key):
    raw = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    return context(ca, cert, key).wrap_socket(raw, server_hostname=name)


def tls(host, port, name, ca, cert, key, n):
    def go():
        with tls_connect(host, port, name, ca, cert, key) as s:
            # TLS 1.3: the server checks the client certificate after the client's
            # handshake is done, so a refusal arrives as an alert on the first read.
            data, closed = egd_read(s, int(n))
            return {"data": data.hex(), "closed": closed, "version": s.version()}
    emit(guarded(go))


def hold(host, port, name, ca, cert, key, n):
    """One connection, two reads, the second after the test says so (a line on stdin):
    shows that an established connection outlives whatever happened in between."""
    conn = []

    def first():
        conn.append(tls_connect(host, port, name, ca, cert, key))
        data, closed = egd_read(conn[0], int(n))
        return {"data": data.hex(), "closed": closed}

    def second():
        if not conn:
            return {"data": "", "closed": True, "error": "no connection"}
        with conn[0]:
            data, closed = egd_read(conn[0], int(n))
            return {"data": data.hex(), "closed": closed}

    emit(guarded(first))
    sys.stdin.readline()
    emit(guarded(second))


def https(host, port, name, ca, path, cert=None, key=None):
    def go():
        with tls_connect(host, port, name, ca, cert, key) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                       % (path, name)).encode())
            data, closed = recv_upto(s, 1 << 16)
            head, _, body = data.partition(b"\r\n\r\n")
            return {"data": "", "closed": closed,
                    "status_line": head.split(b"\r\n", 1)[0].decode(errors="replace"),
                    "body": body.decode(errors="replace")}
    emit(guarded(go))


def https_cert(host, port, name, ca, cert, key, path):
    https(host, port, name, ca, path, cert, key)


def main(argv):
    kinds = {"egd": (plain, 2), "tls": (tls, 7), "hold": (hold, 7), "https": (https, 5),
             "https-cert": (https_cert, 7)}
    if len(argv) < 2 or argv[1] not in kinds or len(argv) - 2 != kinds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    kinds[argv[1]][0](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
