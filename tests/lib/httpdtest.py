"""Helpers for the trng-httpd system tests (050-053, 060, 113, 121): start a real
trng-httpd in front of a real egdd (egdtest.py beside this file) and talk HTTP to it.

Binary from the environment (set by ctest): TRNG_HTTPD.
"""
import http.client
import json
import os
import socket
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import egdtest  # noqa: E402
from egdtest import unix_socket  # noqa: E402,F401  (for the tests)

TRNG_HTTPD = os.environ.get("TRNG_HTTPD", os.path.join(HERE, "../../build/httpd/trng-httpd"))


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


class TrngHttpd(egdtest.Process):
    """A running trng-httpd connected to `egd` (an egdtest.Egdd). Context manager.

    settings: {"section": {"key": value}} added to (or replacing) the generated config.
    The operator listener is always 127.0.0.1:self.port (listed first when the settings
    give more listeners); requests go there unless told otherwise.
    """

    def __init__(self, workdir, egd, settings=None, unix_egd=False):
        self.workdir = workdir
        self.port = egdtest.free_port()
        self.files = os.path.join(workdir, "files")
        self.config = os.path.join(workdir, "trng-httpd.toml")
        self.log_path = os.path.join(workdir, "trng-httpd.log")
        sections = {
            "http": {"listen": "127.0.0.1:%d" % self.port},
            "egdd": {"egd": ("unix:" + egd.unix_path) if unix_egd else "127.0.0.1:%d" % egd.port,
                     "control": egd.control},
            "files": {"dir": self.files},
            "log": {"level": "debug"},
        }
        for name, keys in (settings or {}).items():
            sections.setdefault(name, {}).update(keys)
        listen = sections["http"]["listen"]
        if isinstance(listen, list) and "127.0.0.1:%d" % self.port not in listen:
            sections["http"]["listen"] = ["127.0.0.1:%d" % self.port] + listen
        with open(self.config, "w") as f:
            f.write(egdtest.toml_text(sections))
        self.listeners = []  # every listen and public_listen address, to wait for at start
        for key in ("listen", "public_listen"):
            value = sections["http"].get(key, [])
            self.listeners += [value] if isinstance(value, str) else list(value)
        self.proc = None

    def all_listening(self):
        """Every configured listener accepts (seen in /proc, without connecting: a probe
        to a PROXY listener would count as a refused client)."""
        for address in self.listeners:
            address = address[len("proxy:"):] if address.startswith("proxy:") else address
            if address.startswith("unix:"):
                if not egdtest.unix_listening(address[len("unix:"):]):
                    return False
            elif not egdtest.listening(int(address.rsplit(":", 1)[1])):
                return False
        return True

    def start(self):
        self.spawn([TRNG_HTTPD, "--config", self.config])
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("trng-httpd exited %d:\n%s" % (self.proc.returncode,
                                                                 self.log_text()))
            # trng-httpd opens its listeners one after another: the first may already
            # accept while a later one is not open yet.
            if self.all_listening():
                return self
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("trng-httpd did not start:\n" + self.log_text())

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, path, method="GET", body=None, headers=None, timeout=30, conn=None,
                port=None, source=None):
        """One HTTP request (on `conn` if given, else a new connection to `port`, by default
        the operator listener, from the local address `source`, e.g. "127.0.0.2")."""
        own = conn is None
        c = conn or http.client.HTTPConnection(
            "127.0.0.1", port or self.port, timeout=timeout,
            source_address=(source, 0) if source else None)
        try:
            return exchange(c, path, method, body, headers)
        finally:
            if own:
                c.close()

    def api(self, endpoint, **kw):
        return self.request("/trng/randomNum/" + endpoint, **kw)

    def metrics(self, **kw):
        """{'name{labels}': value} from /metrics."""
        out = {}
        for line in self.request("/metrics", **kw).body.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out


class EgddHttpdCase(unittest.TestCase):
    """A unittest case in its own directory (.dir): egdd on the os source with `pool`
    bytes ready (.egd) and trng-httpd with settings() in front of it (.httpd), started
    in setUp unless `start_at_setup` is false (then the test calls start_httpd()).
    trng-httpd must exit 0 when the test ends."""
    prefix = "egdtest-httpd-"
    pool = 1000
    start_at_setup = True

    def settings(self):
        return {}

    def setUp(self):
        self.dir = self.enterContext(egdtest.workdir(prefix=self.prefix))
        self.egd = self.enterContext(egdtest.Egdd(self.dir, source={"kind": "os"},
                                                  wait_bytes=self.pool))
        self.httpd = TrngHttpd(self.dir, self.egd, self.settings())
        if self.start_at_setup:
            self.start_httpd()

    def start_httpd(self):
        self.httpd.start()
        self.addCleanup(self.stop_httpd)

    def stop_httpd(self):
        self.assertEqual(self.httpd.stop(), 0, self.httpd.log_text())


def exchange(conn, path, method="GET", body=None, headers=None):
    """One request on an http.client connection (which may wrap a prepared socket)."""
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)


class SocketConnection(http.client.HTTPConnection):
    """HTTP over a socket the test opened itself (a unix socket, or one whose first bytes,
    e.g. a PROXY header, were already sent). Host header: `host`."""

    def __init__(self, sock, host="127.0.0.1", timeout=10):
        super().__init__(host, timeout=timeout)
        sock.settimeout(timeout)
        self.sock = sock

    def connect(self):
        raise ConnectionError("this connection's socket is closed")


def proxy_line(source, port=40000, dport=8443):
    """A PROXY v1 header naming `source` as the client."""
    family = "TCP6" if ":" in source else "TCP4"
    dest = "2001:db8::1" if family == "TCP6" else "192.0.2.1"
    return ("PROXY %s %s %s %d %d\r\n" % (family, source, dest, port, dport)).encode()


def via_proxy(path, source, target, method="GET", headers=None, split=False):
    """One request over the proxy:unix: listener at `path`, as client `source`. With
    `split` the PROXY header arrives in two pieces and the request in the same write as
    its end (the session must keep the bytes after the header)."""
    s = unix_socket(path)
    line = proxy_line(source)
    head = ("%s %s HTTP/1.1\r\nHost: localhost\r\n" % (method, target)).encode()
    for k, v in (headers or {}).items():
        head += ("%s: %s\r\n" % (k, v)).encode()
    head += b"Connection: close\r\n\r\n"
    if split:
        s.sendall(line[:9])
        time.sleep(0.05)
        s.sendall(line[9:] + head)
    else:
        s.sendall(line + head)
    with s:
        r = http.client.HTTPResponse(s)
        r.begin()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())


def closed_at_once(sock, timeout=2):
    """True if the server closes `sock` without answering within `timeout` s."""
    sock.settimeout(timeout)
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def bits_of(data):
    return "".join(format(b, "08b") for b in data)


def find_bits(bits, data):
    """True if the bit string `bits` starts at a byte boundary somewhere in `data`."""
    n = len(bits) // 8
    prefix = int(bits[:8 * n], 2).to_bytes(n, "big") if n else b""
    start = data.find(prefix)
    while start != -1:
        if bits_of(data[start:start + (len(bits) + 7) // 8]).startswith(bits):
            return True
        start = data.find(prefix, start + 1)
    return False
