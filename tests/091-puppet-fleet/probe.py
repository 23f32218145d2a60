#!/usr/bin/env python3
"""Client probes the fleet test runs inside a node's network namespace
(`ip netns exec NS python3 probe.py ...`). Each prints one JSON object and exits 0;
what happened is in the JSON, so the test decides what counts as a failure.

  probe.py egd HOST PORT N                  plain EGD: 02 N, the bytes that came back
  probe.py tls HOST PORT NAME CA CERT KEY N EGD over TLS with this client certificate
  probe.py https HOST PORT NAME CA PATH     GET PATH over HTTPS (server authentication)

Output: {"data": HEX, "closed": bool, "error": str|null, ...}. "closed" means the peer
ended the connection (EOF, reset or a TLS alert) before N bytes came; a silent peer
is reported as "error": "timeout", never as closed.
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


def plain(host, port, n):
    def go():
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as s:
            data, closed = egd_read(s, int(n))
            return {"data": data.hex(), "closed": closed}
    return guarded(go)


def context(ca, cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def tls(host, port, name, ca, cert, key, n):
    def go():
        raw = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        with context(ca, cert, key).wrap_socket(raw, server_hostname=name) as s:
            # TLS 1.3: the server checks the client certificate after the client's
            # handshake is done, so a refusal arrives as an alert on the first read.
            data, closed = egd_read(s, int(n))
            return {"data": data.hex(), "closed": closed, "version": s.version()}
    return guarded(go)


def https(host, port, name, ca, path):
    def go():
        raw = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        with context(ca).wrap_socket(raw, server_hostname=name) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                       % (path, name)).encode())
            data, closed = recv_upto(s, 1 << 16)
            head = data.split(b"\r\n", 1)[0].decode(errors="replace")
            return {"data": "", "closed": closed, "status_line": head}
    return guarded(go)


def main(argv):
    kinds = {"egd": (plain, 3), "tls": (tls, 7), "https": (https, 5)}
    if len(argv) < 2 or argv[1] not in kinds or len(argv) - 2 != kinds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    fn = kinds[argv[1]][0]
    print(json.dumps(fn(*argv[2:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
