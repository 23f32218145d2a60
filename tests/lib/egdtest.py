"""Shared helpers for the system tests: start a real egdd, talk EGD and control.

Binaries come from the environment (set by ctest, see tests/CMakeLists.txt):
EGDD, EGDCTL. Every test gets its own temporary directory and free ports.
"""
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time

EGDD = os.environ.get("EGDD", os.path.join(os.path.dirname(__file__), "../../build/egdd/egdd"))
EGDCTL = os.environ.get("EGDCTL", os.path.join(os.path.dirname(__file__), "../../build/egdd/egdctl"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_random_file(path, size):
    data = os.urandom(size)
    with open(path, "wb") as f:
        f.write(data)
    return data


class Egdd:
    """A running egdd. Use as a context manager; stops it with SIGTERM on exit.

    source: dict of [source] keys, e.g. {"kind": "file", "path": "/tmp/x"}.
    extra: raw TOML appended to the generated config (for other tables).
    """

    def __init__(self, workdir, source, extra="", listen_unix=True, egd_keys=None, wait_bytes=0):
        self.workdir = workdir
        self.port = free_port()
        self.unix_path = os.path.join(workdir, "egd.sock")
        self.control = os.path.join(workdir, "control.sock")
        self.config = os.path.join(workdir, "egdd.toml")
        self.log_path = os.path.join(workdir, "egdd.log")
        listen = ['"127.0.0.1:%d"' % self.port]
        if listen_unix:
            listen.append('"unix:%s"' % self.unix_path)
        lines = ["[source]"]
        for k, v in source.items():
            lines.append("%s = %s" % (k, toml_value(v)))
        lines += ["", "[egd]", "listen = [%s]" % ", ".join(listen)]
        for k, v in (egd_keys or {}).items():
            lines.append("%s = %s" % (k, toml_value(v)))
        lines += ["", "[control]", "socket = %s" % toml_value(self.control), "", extra]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.wait_bytes = wait_bytes
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([EGDD, "--config", self.config], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("egdd exited %d:\n%s" % (self.proc.returncode, self.log_text()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if os.path.exists(self.control):
                    break
            except OSError:
                pass
            time.sleep(0.02)
        else:
            raise RuntimeError("egdd did not start:\n" + self.log_text())
        if self.wait_bytes:
            self.wait_pool(self.wait_bytes)
        return self

    def wait_pool(self, nbytes, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.status()["pool_bytes"] >= nbytes:
                return
            time.sleep(0.02)
        raise RuntimeError("pool never reached %d bytes" % nbytes)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def ctl(self, *args, check=True):
        r = subprocess.run([EGDCTL, "--socket", self.control] + list(args), capture_output=True,
                           text=True, timeout=10)
        if check and r.returncode != 0:
            raise RuntimeError("egdctl %s failed: %s %s" % (args, r.stdout, r.stderr))
        return r

    def status(self):
        return json.loads(self.ctl("status").stdout)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        if getattr(self, "log", None):
            self.log.close()
        return self.proc.returncode if self.proc else None

    def connect(self, unix=False, timeout=10):
        if unix:
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(timeout)
            s.connect(self.unix_path)
        else:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return s

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(str(v))


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def egd_entropy(sock):
    sock.sendall(b"\x00")
    return struct.unpack(">I", recv_exact(sock, 4))[0]


def egd_read_nonblocking(sock, n):
    sock.sendall(bytes([1, n]))
    m = recv_exact(sock, 1)[0]
    return recv_exact(sock, m)


def egd_read_blocking(sock, n):
    sock.sendall(bytes([2, n]))
    return recv_exact(sock, n)


def egd_pid(sock):
    sock.sendall(b"\x04")
    m = recv_exact(sock, 1)[0]
    return recv_exact(sock, m).decode()


@contextlib.contextmanager
def workdir(prefix="egdtest-"):
    with tempfile.TemporaryDirectory(prefix=prefix) as d:
        yield d
