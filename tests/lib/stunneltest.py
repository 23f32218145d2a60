"""Helpers for the stunnel system tests (060, 061, 091, 120): a PKI made by scripts/egd-pki,
stunnel processes run from the stunnel/*.conf.in templates (rendered by
stunnel/render, as in production; SETUID/SETGID empty: systemd starts each instance
as its own user, the tests as root), egdd with a proxy:unix listener in a 0750
directory (production: /run/egdd/proxy/egd.sock), and TLS/EGD clients bound to their
own loopback addresses (127.0.0.x) so that egdd's per-address statistics tell the
actors apart.
"""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))   # tests/lib
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import egdtest  # noqa: E402

EGD_PKI = os.path.join(REPO, "scripts", "egd-pki")
RENDER = os.path.join(REPO, "stunnel", "render")
TEMPLATES = os.path.join(REPO, "stunnel")
STUNNEL = shutil.which("stunnel4") or shutil.which("stunnel")
SKIP = 77


def require_stunnel():
    """Exits 77 (skipped) if stunnel4 is not installed."""
    if not STUNNEL:
        print("SKIP: stunnel4 missing (apt-get install stunnel4)")
        sys.exit(SKIP)


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

    def operator(self, name):
        pki("operator", self.path, name)
        return self.leaf("operators", name)

    def revoke(self, kind, name):
        return pki("revoke", self.path, kind, name)

    @property
    def crl(self):
        return os.path.join(self.path, "crl.pem")

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

class Stunnel(egdtest.Process):
    """stunnel4 running a rendered template. Context manager; stop() = SIGTERM.

    port: the TCP port (int) or unix socket path (str) it accepts on, to wait for.
    run_as: a user to start stunnel as (setpriv, no capabilities), as systemd's User= does.
    params: the template's parameters; SETUID/SETGID default to empty (no user switch)
    and DEBUG to info (one line per connection, with the reason for every refusal).
    """

    def __init__(self, workdir, name, template, port, run_as=None, **params):
        self.name = name
        self.run_as = run_as
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
        it, and the key, certificates and CRL, for new connections; established ones
        stay). Returns once every listener is bound again: stunnel 5.68 closes and
        re-binds them after "Configuration successful", and a connection attempt in
        between is refused by the kernel."""
        self.params.update(changes)
        self._render()
        with open(self.conf) as f:
            accepts = sum(1 for line in f if line.startswith("accept = "))
        log = self.log_text()
        done, bound = log.count("Configuration successful"), log.count(" bound to ")
        self.proc.send_signal(signal.SIGHUP)

        def reloaded():
            text = self.log_text()
            return "Failed to reload" in text or (
                text.count("Configuration successful") > done
                and text.count(" bound to ") >= bound + accepts)
        egdtest.wait_for(reloaded, "stunnel %s reload" % self.name)
        if "Failed to reload" in self.log_text():
            fail("stunnel %s failed to reload:\n%s" % (self.name, self.log_text()))

    def start(self):
        prefix = ["setpriv", "--reuid", self.run_as, "--regid", self.run_as, "--clear-groups"] \
            if self.run_as else []
        self.spawn(prefix + [STUNNEL, self.conf], stdin=subprocess.DEVNULL)
        deadline = time.time() + 10
        ready = (lambda: egdtest.unix_listening(self.port)) if isinstance(self.port, str) \
            else (lambda: egdtest.listening(self.port))
        while not ("Configuration successful" in self.log_text() and ready()):
            if self.proc.poll() is not None:
                fail("stunnel %s exited %d:\n%s" % (self.name, self.proc.returncode, self.log_text()))
            if time.time() > deadline:
                self.stop()
                fail("stunnel %s did not start:\n%s" % (self.name, self.log_text()))
            time.sleep(0.02)
        return self


def file_source(workdir, path):
    """egdd's [source] for a test file: with an offset file, so no replay is needed."""
    return {"kind": "file", "path": path, "offset_file": os.path.join(workdir, "offset")}


class ProxyEgdd(egdtest.Egdd):
    """egdd with a plain TCP listener (egdtest's .port), a unix one (.unix_path) and a
    PROXY v1 listener on a unix socket (.proxy_path) in a 0750 directory, as the
    production topology's /run/egdd/proxy/egd.sock (egdtest's proxy_unix)."""

    def __init__(self, workdir, source, **kw):
        os.makedirs(workdir, exist_ok=True)
        super().__init__(workdir, source, proxy_unix=True, **kw)
        self.proxy_path = self.proxy_unix_path

    def proxy_connect(self, timeout=10):
        return egdtest.unix_socket(self.proxy_path, timeout)

    def by_address(self):
        """{address: per-address entry} from egdctl stats."""
        return {c["address"]: c for c in self.stats().get("clients_by_address", [])}


def egdd_has_proxy_listener():
    """True if this egdd accepts a "proxy:unix:" listen entry (egdd --check-config)."""
    with egdtest.workdir("egdtest-proxycheck-") as wd:
        os.mkdir(os.path.join(wd, "proxy"), 0o750)
        r = egdtest.check_config(
            egdtest.EGDD, os.path.join(wd, "check.toml"),
            '[source]\nkind = "os"\n[egd]\nlisten = ["proxy:unix:%s/proxy/egd.sock"]\n'
            '[control]\nsocket = "%s/c.sock"\n' % (wd, wd))
        return r.returncode == 0


# --- Clients ----------------------------------------------------------------------

def egd_connect(port, source="127.0.0.1", timeout=10):
    """A TCP connection to 127.0.0.1:port from `source`, or to the unix socket `port` (a path)."""
    if isinstance(port, str):
        return egdtest.unix_socket(port, timeout)
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
