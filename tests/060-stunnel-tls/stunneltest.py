"""Helpers for the stunnel system tests (060, 061): a PKI made by scripts/egd-pki,
stunnel processes run from the stunnel/*.conf.in templates (rendered by
stunnel/render, as in production but without setuid), egdd with a PROXY listener,
and TLS/EGD clients bound to their own loopback addresses (127.0.0.x) so that
egdd's per-address statistics tell the actors apart.
"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import egdtest  # noqa: E402

EGD_PKI = os.path.join(REPO, "scripts", "egd-pki")
RENDER = os.path.join(REPO, "stunnel", "render")
TEMPLATES = os.path.join(REPO, "stunnel")
STUNNEL = shutil.which("stunnel4") or shutil.which("stunnel")
SKIP = 77


class Failure(Exception):
    pass


def fail(msg):
    raise Failure(msg)


def run_main(main):
    """Runs main(); prints FAIL and exits 1 on a Failure, PASS otherwise."""
    started = time.time()
    try:
        main()
    except (Failure, AssertionError) as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    print("PASS (%.1fs)" % (time.time() - started))


# --- PKI -------------------------------------------------------------------------

def pki(*args):
    r = subprocess.run([EGD_PKI] + [str(a) for a in args], capture_output=True, text=True)
    if r.returncode != 0:
        fail("egd-pki %s failed (%d): %s%s" % (" ".join(map(str, args)), r.returncode, r.stdout,
                                               r.stderr))
    return r.stdout


class Pki:
    """A CA directory made by egd-pki, with helpers for the paths it creates."""

    def __init__(self, path):
        self.path = path
        pki("init", path)

    @property
    def ca(self):
        return os.path.join(self.path, "ca.crt")

    def host(self, name, san=None):
        pki("host", self.path, name, *(["--san", san] if san else []))
        return self.leaf("hosts", name)

    def client(self, name):
        pki("client", self.path, name)
        return self.leaf("clients", name)

    def psk(self, name):
        pki("psk", self.path, name)
        return os.path.join(self.path, "psk", name + ".psk")

    @property
    def psk_server(self):
        return os.path.join(self.path, "psk", "server.psk")

    def leaf(self, kind, name):
        return (os.path.join(self.path, kind, name + ".crt"),
                os.path.join(self.path, kind, name + ".key"))


# --- Processes ---------------------------------------------------------------------

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


class Stunnel(egdtest.Process):
    """stunnel4 running a rendered template. Context manager; stop() = SIGTERM.

    params: the template's parameters; SETUID/SETGID default to empty (no user switch)
    and DEBUG to info (one line per connection, with the reason for every refusal).
    """

    def __init__(self, workdir, name, template, port, **params):
        self.name = name
        self.port = port
        self.conf = os.path.join(workdir, name + ".conf")
        self.log_path = os.path.join(workdir, name + ".log")
        self.template = template
        self.params = dict({"SETUID": "", "SETGID": "", "DEBUG": "info"}, **params)
        self._render()
        self.proc = None

    def _render(self):
        r = subprocess.run([RENDER, os.path.join(TEMPLATES, self.template)]
                           + ["%s=%s" % kv for kv in self.params.items()],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("stunnel/render %s failed: %s" % (self.template, r.stderr))
        with open(self.conf, "w") as f:
            f.write(r.stdout)

    def reload(self, **changes):
        """Re-renders the configuration with `changes` and sends SIGHUP (stunnel re-reads
        it for new connections; established ones stay)."""
        self.params.update(changes)
        self._render()
        done = self.log_text().count("Configuration successful")
        self.proc.send_signal(signal.SIGHUP)
        egdtest.wait_for(lambda: self.log_text().count("Configuration successful") > done
                         or "Failed to reload" in self.log_text(), "stunnel %s reload" % self.name)
        if "Failed to reload" in self.log_text():
            fail("stunnel %s failed to reload:\n%s" % (self.name, self.log_text()))

    def start(self):
        self.spawn([STUNNEL, self.conf], stdin=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not ("Configuration successful" in self.log_text() and listening(self.port)):
            if self.proc.poll() is not None:
                fail("stunnel %s exited %d:\n%s" % (self.name, self.proc.returncode, self.log_text()))
            if time.time() > deadline:
                self.stop()
                fail("stunnel %s did not start:\n%s" % (self.name, self.log_text()))
            time.sleep(0.02)
        return self


class ProxyEgdd(egdtest.Egdd):
    """egdd with a plain listener (egdtest's .port) and a PROXY v1 listener (.proxy_port)."""

    def __init__(self, workdir, source, **kw):
        os.makedirs(workdir, exist_ok=True)
        super().__init__(workdir, source, **kw)
        self.proxy_port = egdtest.free_port()
        with open(self.config) as f:
            text = f.read()
        text = text.replace("listen = [", 'listen = ["proxy:127.0.0.1:%d", ' % self.proxy_port, 1)
        with open(self.config, "w") as f:
            f.write(text)

    def stats(self):
        return json.loads(self.ctl("stats").stdout)

    def by_address(self):
        """{address: per-address entry} from egdctl stats."""
        return {c["address"]: c for c in self.stats().get("clients_by_address", [])}


def egdd_has_proxy_listener():
    """True if this egdd accepts a "proxy:" listen entry (egdd --check-config)."""
    with egdtest.workdir("egdtest-proxycheck-") as wd:
        path = os.path.join(wd, "check.toml")
        with open(path, "w") as f:
            f.write('[source]\nkind = "os"\n[egd]\nlisten = ["proxy:127.0.0.1:%d"]\n'
                    '[control]\nsocket = "%s/c.sock"\n' % (egdtest.free_port(), wd))
        r = subprocess.run([egdtest.EGDD, "--check-config", path], capture_output=True, text=True)
        return r.returncode == 0


def production_user():
    """The templates' default user (stunnel4, made by Debian's package) if we are root and
    it exists, so that the drop of privileges is exercised too; else "" (no switch)."""
    import pwd
    try:
        pwd.getpwnam("stunnel4")
    except KeyError:
        return ""
    return "stunnel4" if os.geteuid() == 0 else ""


def process_user(pid):
    """(real uid, effective uid) of a running process, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return tuple(int(x) for x in line.split()[1:3])
    return None


# --- Clients ----------------------------------------------------------------------

def egd_connect(port, source="127.0.0.1", timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0))


def assert_in_source(data, source, what):
    if not data or source.find(data) < 0:
        fail("%s: %d bytes that are not one contiguous range of the host's source file"
             % (what, len(data)))
    return source.find(data)


def tls_context(ca, cert=None, version=None, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if cert:
        ctx.load_cert_chain(*cert)
    if version:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = version
            ctx.maximum_version = version
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def tls_egd_read(port, ctx, server_name, source="127.0.0.1", n=16, timeout=5):
    """Connects with TLS, asks EGD for n bytes (02 n) and returns (bytes, version).
    Raises ssl.SSLError / OSError / EOFError when the server refuses."""
    raw = egd_connect(port, source, timeout)
    with ctx.wrap_socket(raw, server_hostname=server_name) as s:
        version = s.version()
        s.sendall(bytes([2, n]))
        return egdtest.recv_exact(s, n), version


def refused(fn):
    """Runs fn; returns the refusal (an error string) or fails if fn succeeded or only
    timed out (a refusal must be active: an alert, a reset or EOF)."""
    try:
        data = fn()
    except socket.timeout:
        fail("timed out instead of being refused")
    except (ssl.SSLError, ConnectionError, EOFError, OSError) as e:
        return "%s: %s" % (type(e).__name__, e)
    fail("was served %r instead of being refused" % (data,))
