"""Helpers for trng-httpd system tests (050, 051, 052): start a real trng-httpd
in front of a real egdd (tests/lib/egdtest.py) and talk HTTP to it.

Binary from the environment (set by ctest): TRNG_HTTPD.
"""
import http.client
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402

TRNG_HTTPD = os.environ.get("TRNG_HTTPD", os.path.join(os.path.dirname(__file__),
                                                       "../../build/httpd/trng-httpd"))


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
        with open(self.config, "w") as f:
            for name, keys in sections.items():
                f.write("[%s]\n" % name)
                for k, v in keys.items():
                    f.write("%s = %s\n" % (k, egdtest.toml_value(v)))
                f.write("\n")
        self.proc = None

    def start(self):
        self.spawn([TRNG_HTTPD, "--config", self.config])
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("trng-httpd exited %d:\n%s" % (self.proc.returncode,
                                                                 self.log_text()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.02)
        self.kill()
        raise RuntimeError("trng-httpd did not start:\n" + self.log_text())

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, path, method="GET", body=None, headers=None, timeout=30, conn=None):
        """One HTTP request (on `conn` if given, else a new connection)."""
        own = conn is None
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            if own:
                c.close()

    def api(self, endpoint, **kw):
        return self.request("/trng/randomNum/" + endpoint, **kw)

    def metrics(self):
        """{'name{labels}': value} from /metrics."""
        out = {}
        for line in self.request("/metrics").body.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out


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
