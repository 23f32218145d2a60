"""Shared helpers for the system tests: start a real egdd, talk EGD and control,
make test data that egdd's health tests accept (healthydata.py), feed a FIFO source.

Binaries come from the environment (set by ctest, see tests/CMakeLists.txt):
EGDD, EGDCTL; so do the build tree (EGD_BUILD_DIR) and the cache for what tests
build once (EGD_TEST_CACHE). Every test gets its own temporary directory and free ports.
"""
import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from healthydata import GRAIN, healthy_random  # noqa: E402

EGDD = os.environ.get("EGDD", os.path.join(os.path.dirname(__file__), "../../build/egdd/egdd"))
EGDCTL = os.environ.get("EGDCTL", os.path.join(os.path.dirname(__file__), "../../build/egdd/egdctl"))
BUILD = os.environ.get("EGD_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))


def cache_dir():
    """Where tests keep what they build once (the shim, the QEMU guest), made if missing."""
    d = os.environ.get("EGD_TEST_CACHE") or os.path.join(BUILD, "test-cache")
    os.makedirs(d, exist_ok=True)
    return d


def fail(msg):
    """Ends a script-style system test: FAIL and the reason, exit code 1."""
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


class Checklist:
    """Checks that report and go on, for tests that list many independent facts: check()
    prints "ok" or "FAIL" and the text, and a failure's first line joins .failures; the
    test decides at the end how to fail."""

    def __init__(self):
        self.failures = []

    def check(self, cond, what):
        print(("ok    " if cond else "FAIL  ") + what, flush=True)
        if not cond:
            self.failures.append(what.splitlines()[0])
        return cond


def listening(port):
    """True if some socket LISTENs on TCP port `port` (IPv4 or IPv6)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            pass
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_random_file(path, size):
    """Writes healthy_random(size) to path and returns it."""
    data = healthy_random(size)
    with open(path, "wb") as f:
        f.write(data)
    return data


class Process:
    """A daemon a test runs, its stdout and stderr appended to self.log_path.
    Subclasses set log_path and define start() (usually through spawn()); the
    context manager starts and stops it."""

    proc = None
    log = None

    def spawn(self, argv, **kw):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, **kw)
        return self.proc

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig and returns the exit code; kills the process (and raises) if it hangs."""
        try:
            if self.proc and self.proc.poll() is None:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        finally:
            if self.log:
                self.log.close()
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.log:
            self.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Egdd(Process):
    """A running egdd. Use as a context manager; stops it with SIGTERM on exit.

    source: dict of [source] keys, e.g. {"kind": "file", "path": "/tmp/x"}. A `file`
      source without offset_file that does not say `replay` gets `replay = true` (a test
      capture may be replayed; egdd refuses that unless told).
    extra: raw TOML appended to the generated config (for other tables).
    proxy_unix: also listen on proxy:unix:WORKDIR/proxy/egd.sock (.proxy_unix_path; the
      directory is made 0750, as egdd requires).
    proxy_tcp: also listen on proxy:127.0.0.1:PORT (.proxy_port), with
      proxy_trusted_peers = ["127.0.0.1"] unless egd_keys says otherwise.
    run_as: user name to run egdd as (the test must be root; workdir is given to that user).
    sources: several sources instead of `source`: a list of dicts of [[source]] keys, each
      with its "name" (and for a serial one its "port"), given the same defaults.
    assess: leave the source uncertified, so egdd assesses it before crediting or serving
      anything (egdd's default); otherwise the source gets entropy_certified = true (unless
      it says otherwise) and is credited its entropy_per_bit at once, as tests of the
      other parts want. The assessment state directory is WORKDIR/state either way
      (unless `extra` has an [assessment] table).
    """

    def __init__(self, workdir, source=None, extra="", listen_unix=True, egd_keys=None,
                 wait_bytes=0, proxy_unix=False, proxy_tcp=False, run_as=None, assess=False,
                 sources=None):
        self.workdir = workdir
        self.port = free_port()
        self.unix_path = os.path.join(workdir, "egd.sock")
        self.control = os.path.join(workdir, "control.sock")
        self.config = os.path.join(workdir, "egdd.toml")
        self.log_path = os.path.join(workdir, "egdd.log")
        self.run_as = run_as
        egd_keys = dict(egd_keys or {})
        listen = ['"127.0.0.1:%d"' % self.port]
        if listen_unix:
            listen.append('"unix:%s"' % self.unix_path)
        if proxy_unix:
            proxy_dir = os.path.join(workdir, "proxy")
            os.makedirs(proxy_dir, exist_ok=True)
            os.chmod(proxy_dir, 0o750)
            self.proxy_unix_path = os.path.join(proxy_dir, "egd.sock")
            listen.append('"proxy:unix:%s"' % self.proxy_unix_path)
        if proxy_tcp:
            self.proxy_port = free_port()
            listen.append('"proxy:127.0.0.1:%d"' % self.proxy_port)
            egd_keys.setdefault("proxy_trusted_peers", ["127.0.0.1"])
        lines = []
        for one in (sources or [source]):
            one = dict(one)
            if (one.get("kind") == "file" and not one.get("offset_file")
                    and "replay" not in one):
                one["replay"] = True
            if not assess:
                one.setdefault("entropy_certified", True)
            lines.append("[[source]]" if sources else "[source]")
            for k, v in one.items():
                lines.append("%s = %s" % (k, toml_value(v)))
        if "[assessment]" not in extra:
            self.state_dir = os.path.join(workdir, "state")
            os.makedirs(self.state_dir, exist_ok=True)
            extra = "[assessment]\nstate_dir = %s\n\n%s" % (toml_value(self.state_dir), extra)
        lines += ["", "[egd]", "listen = [%s]" % ", ".join(listen)]
        for k, v in egd_keys.items():
            lines.append("%s = %s" % (k, toml_value(v)))
        lines += ["", "[control]", "socket = %s" % toml_value(self.control), "", extra]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.wait_bytes = wait_bytes
        self.proc = None

    def start(self):
        """Starts egdd and waits until it listens; on any failure egdd is stopped again."""
        kw = {}
        if self.run_as:
            import pwd
            pw = pwd.getpwnam(self.run_as)
            for root, dirs, files in os.walk(self.workdir):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, pw.pw_uid, pw.pw_gid)
            kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        self.spawn([EGDD, "--config", self.config], **kw)
        try:
            self._wait_listening()
            if self.wait_bytes:
                self.wait_pool(self.wait_bytes)
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_listening(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("egdd exited %d:\n%s" % (self.proc.returncode, self.log_text()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                # egdd binds the control socket (the file appears) a moment before
                # it listens on it: wait for the listening socket itself.
                if unix_listening(self.control):
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("egdd did not start:\n" + self.log_text())

    def wait_pool(self, nbytes, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.status()["pool_bytes"] >= nbytes:
                return
            time.sleep(0.02)
        raise RuntimeError("pool never reached %d bytes" % nbytes)

    def ctl(self, *args, check=True):
        r = subprocess.run([EGDCTL, "--socket", self.control] + list(args), capture_output=True,
                           text=True, timeout=60)  # init/restart wait up to 30 s
        if check and r.returncode != 0:
            raise RuntimeError("egdctl %s failed: %s %s" % (args, r.stdout, r.stderr))
        return r

    def status(self):
        return json.loads(self.ctl("status").stdout)

    def stats(self):
        return json.loads(self.ctl("stats").stdout)

    def connect(self, unix=False, timeout=10):
        if unix:
            return unix_socket(self.unix_path, timeout)
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def connect_proxy(self, source=None, sport=40000, unix=True, timeout=10):
        """A connection to the proxy listener (unix or TCP) that has sent its PROXY header:
        TCP4 or TCP6 (by the address's spelling) for `source`, UNKNOWN when None."""
        if unix:
            s = unix_socket(self.proxy_unix_path, timeout)
        else:
            s = socket.create_connection(("127.0.0.1", self.proxy_port), timeout=timeout)
        if source is None:
            s.sendall(b"PROXY UNKNOWN\r\n")
        elif ":" in source:
            s.sendall(b"PROXY TCP6 %s ::1 %d 7776\r\n" % (source.encode(), sport))
        else:
            s.sendall(b"PROXY TCP4 %s 127.0.0.1 %d 7776\r\n" % (source.encode(), sport))
        return s


@contextlib.contextmanager
def directory_in_place_of(path):
    """The file `path` moved aside and an empty directory in its place (a config
    file that cannot be read) for the duration of the block; the file then back."""
    os.rename(path, path + ".away")
    os.mkdir(path)
    try:
        yield
    finally:
        os.rmdir(path)
        os.rename(path + ".away", path)


def unix_line(path, line, timeout=10):
    """Sends one command line to the unix socket `path` (a control socket: egdd's,
    trng-sim's) and returns the reply line, without its newline."""
    with unix_socket(path, timeout) as s:
        s.sendall(line.encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.decode().rstrip("\n")


def build_shim(src, mode=None):
    """Compiles the LD_PRELOAD shim `src` (a .c file) once per source version into
    the test cache and returns the .so path (chmod `mode` if given); raises
    RuntimeError if the compiler fails."""
    with open(src, "rb") as f:
        tag = hashlib.sha256(f.read()).hexdigest()[:16]
    name = os.path.splitext(os.path.basename(src))[0]
    so = os.path.join(cache_dir(), "%s-%s.so" % (name, tag))
    if not os.path.exists(so):
        tmp = "%s.%d.tmp" % (so, os.getpid())
        r = subprocess.run(["cc", "-Wall", "-O2", "-shared", "-fPIC", "-o", tmp, src, "-ldl"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("compiling %s failed:\n%s" % (src, r.stderr))
        if mode is not None:
            os.chmod(tmp, mode)
        os.rename(tmp, so)
    return so


def unix_socket(path, timeout=10):
    """A stream connection to the unix socket `path` (the socket is closed if that fails)."""
    s = socket.socket(socket.AF_UNIX)
    try:
        s.settimeout(timeout)
        s.connect(path)
    except OSError:
        s.close()
        raise
    return s


def unix_listening(path):
    """True if some socket LISTENs on the unix socket `path` (from /proc/net/unix, without
    connecting: a probe connection to a stunnel client would reach egdd)."""
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.split()
            # Num RefCount Protocol Flags Type St Inode Path; flag 0x10000: accepting
            if len(fields) >= 8 and fields[7] == path and int(fields[3], 16) & 0x10000:
                return True
    return False


def check_config(binary, path, text=None):
    """Runs `binary --check-config path`, after writing `text` to path if given; returns
    the CompletedProcess (output as text)."""
    if text is not None:
        with open(path, "w") as f:
            f.write(text)
    return subprocess.run([binary, "--check-config", path], capture_output=True, text=True,
                          timeout=30)


def toml_text(*layers):
    """TOML text for layers of {"section": {"key": value}}: later layers override
    earlier ones key by key; sections in the order they first appear."""
    sections = {}
    for layer in layers:
        for name, keys in (layer or {}).items():
            sections.setdefault(name, {}).update(keys)
    return "".join("[%s]\n%s\n" % (name, "".join("%s = %s\n" % (k, toml_value(v))
                                                   for k, v in keys.items()))
                   for name, keys in sections.items())


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


# --- Waiting and EGD exchanges ---------------------------------------------------

def wait_for(pred, what, timeout=5.0):
    deadline = time.time() + timeout
    while not pred():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def request(sock, req, n):
    """Sends `req` and returns the next n bytes."""
    sock.sendall(req)
    return recv_exact(sock, n)


def assert_pid_next(sock, egd):
    """Sends 04 and checks the very next bytes are the pid answer (so nothing stray came before)."""
    sock.sendall(b"\x04")
    expected = str(egd.proc.pid).encode()
    got = recv_exact(sock, 1 + len(expected))
    if got != bytes([len(expected)]) + expected:
        raise AssertionError("expected the pid answer %r, got %r"
                             % (bytes([len(expected)]) + expected, got))


def assert_silent(sock, wait=0.3):
    """Fails if egdd sends anything on sock within `wait` s."""
    sock.settimeout(wait)
    try:
        extra = sock.recv(100)
        raise AssertionError("unexpected bytes from egdd: %r" % extra)
    except socket.timeout:
        pass
    finally:
        sock.settimeout(10)


def closed_within(sock, timeout):
    """True if the peer closes `sock` (EOF) within `timeout` s; raises if it sends data."""
    old = sock.gettimeout()
    sock.settimeout(timeout)
    try:
        data = sock.recv(100)
    except socket.timeout:
        return False
    finally:
        sock.settimeout(old)
    if data:
        raise AssertionError("unexpected data %r" % data)
    return True


def refused_within(sock, timeout):
    """True if the peer closes `sock` within `timeout` s, by EOF or by a reset (a server
    that closes a connection with unread data resets it); raises if it sends data."""
    try:
        return closed_within(sock, timeout)
    except ConnectionResetError:
        return True


def drain_pool(egd, sock=None):
    """Takes everything in the pool with non-blocking reads (01 255) until a read returns
    nothing and the pool is empty; returns the bytes, in the order served."""
    with contextlib.ExitStack() as stack:
        s = sock or stack.enter_context(egd.connect())
        out = bytearray()
        while True:
            s.sendall(b"\x01\xff")
            m = recv_exact(s, 1)[0]
            out += recv_exact(s, m)
            if m == 0 and egd.status()["pool_bytes"] == 0:
                return bytes(out)


class BlockingReader(threading.Thread):
    """An EGD client looping blocking reads (02 size) on `sock` until .stop is set; each
    answer goes to answer(), by default appended to .data. The first error ends the loop
    and is kept in .error; the socket is closed at the end."""

    def __init__(self, sock, size=32):
        super().__init__(daemon=True)
        self.sock, self.size = sock, size
        self.data = bytearray()
        self.error = None
        self.stop = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                self.answer(egd_read_blocking(self.sock, self.size))
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            self.sock.close()

    def answer(self, data):
        self.data += data


# --- A FIFO as an hwrng source -----------------------------------------------------

class Fifo:
    """The test's end of a FIFO read by egdd as an hwrng source (O_RDWR: open never blocks)."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.fd = os.open(path, os.O_RDWR)
        self.written = 0

    def write(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        self.written += len(data)

    def feed(self, n=GRAIN):
        """Writes healthy_random(n) and returns it."""
        data = healthy_random(n)
        self.write(data)
        return data

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def prime_and_drain(egd, fifo):
    """Feeds the FIFO until bytes reach the pool (startup tests done), then empties the pool.
    Afterwards every byte written was taken by egdd, health test windows start afresh at the
    next byte written (GRAIN-sized writes), the pool is empty and no client is connected."""
    deadline = time.time() + 10
    while egd.status()["pool_bytes"] == 0:
        if time.time() > deadline:
            raise AssertionError("no bytes reached the pool after %d written" % fifo.written)
        fifo.feed(GRAIN)
        time.sleep(0.1)
    wait_for(lambda: egd.status()["bytes_received"] == fifo.written,
             "bytes_received == %d written" % fifo.written)
    drain_pool(egd)
    wait_for(lambda: egd.status()["clients"] == 0, "drain connection gone")
