#!/usr/bin/env python3
"""The Puppet module in puppet/ (module egd): static checks, its rspec-puppet specs,
and real `puppet apply` runs of egd::host and egd::client in a sandbox.

  * `puppet parser validate` on every manifest, function and type alias;
    `puppet epp validate` on every template; `puppet-lint --fail-on-warnings`
    (--relative: the module's directory is puppet/, not egd/).
  * `rspec` in puppet/ (spec/spec_helper.rb links the module as "egd" next to
    Debian's stdlib module): every class compiles with defaults and typical
    parameters, template contents, private classes refuse direct use, bad
    parameter types are rejected.
  * Sandbox: everything under a temporary directory, no packages
    (manage_package => false), services through the `base` provider with commands
    from a small control script. egdd is real: the service "egdd" starts the built
    egdd on the rendered egdd.toml (a capture file as source, its sockets in the
    sandbox's run directory), so the test sees it run and answer an EGD request on
    its unix socket. The other daemons are stood in by marker files (their binaries
    and certificates belong to the fleet test).
    Asserted: the rendered files' contents and modes (unix sockets under the run
    directories, the PROXY socket directories 2750, keys 0400 and redacted in Puppet's
    output, a key given as a path neither copied nor created, the CRL 0644, the
    egd-feed credit drop-in only when crediting), `egdd --check-config` accepts
    egdd.toml (and egd-feed / trng-httpd --check-config their files when those
    binaries are built), the stunnel configurations (egd-server, https-server,
    https-operator, egd-client) carry the same settings, line for line, as
    stunnel/render makes from stunnel/*.conf.in with the same parameters (for the
    certificate and the PSK variants), a second apply changes nothing
    (--detailed-exitcodes 0), a changed parameter restarts egdd (new pid), and a
    changed CRL runs the stunnel instances' reload commands and restarts nothing.
  * REFERENCE.md equals `puppet strings generate --format markdown` output, without
    warnings (when puppet-strings is installed).
Exit 77 if puppet, puppet-lint, rspec or the stdlib module is missing, or (after all
other checks passed) if egdd is not built.
"""
import grp
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODULE = os.path.join(ROOT, "puppet")
RENDER = os.path.join(ROOT, "stunnel", "render")
STDLIB = "/usr/share/puppet/modules"
EGDD = os.environ.get("EGDD", os.path.join(ROOT, "build", "egdd", "egdd"))
EGD_FEED = os.environ.get("EGD_FEED", os.path.join(ROOT, "build", "feed", "egd-feed"))
TRNG_HTTPD = os.environ.get("TRNG_HTTPD", os.path.join(ROOT, "build", "httpd", "trng-httpd"))

checklist = egdtest.Checklist()
check, failures = checklist.check, checklist.failures


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 240), **kw)


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def files_under(sub, ext):
    out = []
    for d, _, names in os.walk(os.path.join(MODULE, sub)):
        out += [os.path.join(d, n) for n in names if n.endswith(ext)]
    return sorted(out)


def settings(text):
    """A stunnel configuration's setting lines, without comments and blank lines."""
    return [" ".join(l.split()) for l in text.splitlines() if l.strip() and not l.strip().startswith(";")]


# ---------------------------------------------------------------- static checks
for tool in ("puppet", "puppet-lint", "rspec"):
    if not shutil.which(tool):
        skip(f"{tool} not installed (apt-get install -y puppet puppet-lint ruby-rspec-puppet)")
if not os.path.isdir(os.path.join(STDLIB, "stdlib")):
    skip("stdlib module missing (apt-get install -y puppet-module-puppetlabs-stdlib)")

work = tempfile.mkdtemp(prefix="egd-puppet-")
PUPPET_DIRS = []
for d in ("conf", "var", "log", "run", "code"):
    os.makedirs(os.path.join(work, "puppet", d))
PUPPET_DIRS = ["--confdir", f"{work}/puppet/conf", "--vardir", f"{work}/puppet/var",
               "--logdir", f"{work}/puppet/log", "--rundir", f"{work}/puppet/run",
               "--codedir", f"{work}/puppet/code"]

manifests = files_under("manifests", ".pp") + files_under("functions", ".pp") + files_under("types", ".pp")
r = run(["puppet", "parser", "validate"] + PUPPET_DIRS + manifests)
check(r.returncode == 0 and len(manifests) >= 11,
      f"puppet parser validate: {len(manifests)} files" + ("" if r.returncode == 0 else "\n" + r.stdout + r.stderr))

templates = files_under("templates", ".epp")
r = run(["puppet", "epp", "validate"] + PUPPET_DIRS + templates)
check(r.returncode == 0 and len(templates) >= 7,
      f"puppet epp validate: {len(templates)} templates" + ("" if r.returncode == 0 else "\n" + r.stdout + r.stderr))

r = run(["puppet-lint", "--relative", "--fail-on-warnings", "manifests", "functions", "types"], cwd=MODULE)
check(r.returncode == 0 and not r.stdout.strip(), "puppet-lint --fail-on-warnings" +
      ("" if r.returncode == 0 else "\n" + r.stdout + r.stderr))

r = run(["rspec", "--format", "progress"], cwd=MODULE, timeout=300)
summary = [l for l in r.stdout.splitlines() if " examples, " in l]
check(r.returncode == 0 and summary and " 0 failures" in summary[-1],
      "rspec-puppet: " + (summary[-1] if summary else "no summary") +
      ("" if r.returncode == 0 else "\n" + r.stdout[-4000:] + r.stderr[-2000:]))

# REFERENCE.md is puppet-strings' output for the current sources (when the Debian
# package puppet-strings is installed; it is documentation, so otherwise only noted).
r = run(["puppet", "strings", "--help"])
if r.returncode == 0:
    ref = os.path.join(work, "REFERENCE.md")
    strings_dir = os.path.join(work, "strings")
    shutil.copytree(MODULE, strings_dir, ignore=shutil.ignore_patterns("spec", ".yardoc", "doc"))
    r = run(["puppet", "strings", "generate", "--format", "markdown", "--out", ref,
             "manifests/**/*.pp", "functions/**/*.pp", "types/**/*.pp"], cwd=strings_dir)
    with open(os.path.join(MODULE, "REFERENCE.md")) as f:
        current = f.read()
    fresh = r.returncode == 0 and os.path.exists(ref) and open(ref).read() == current
    check(fresh, "REFERENCE.md is up to date (cd puppet && puppet strings generate --format markdown "
          "--out REFERENCE.md 'manifests/**/*.pp' 'functions/**/*.pp' 'types/**/*.pp')")
    warnings = [l for l in r.stdout.splitlines() + r.stderr.splitlines() if l.startswith("[warn]")]
    check(not warnings, "puppet strings: no warnings" + ("" if not warnings else "\n" + "\n".join(warnings)))
else:
    print("note  puppet-strings not installed: REFERENCE.md not compared")

# ---------------------------------------------------------------- sandbox apply
sb = os.path.join(work, "sb")
for d in ("etc", "run", "state"):
    os.makedirs(os.path.join(sb, d))
modulepath = os.path.join(work, "modules")
os.makedirs(modulepath)
os.symlink(MODULE, os.path.join(modulepath, "egd"))
with open(os.path.join(sb, "random.bin"), "wb") as f:
    f.write(os.urandom(400_000))
with open(os.path.join(sb, "ca.crt"), "w") as f:
    f.write("-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n")

# The `base` provider's commands: real egdd, marker files for the others. Every
# start and reload is appended to state/starts ("NAME" or "NAME reload").
ctl = os.path.join(sb, "ctl")
with open(ctl, "w") as f:
    f.write(f"""#!/bin/sh
# ctl start|stop|status|reload NAME [COMMAND...]
set -u
action=$1; name=$2; shift 2
pidf={sb}/state/$name.pid
case $action in
start)
  if [ $# -gt 0 ]; then
    "$@" >>{sb}/state/$name.log 2>&1 </dev/null &
    echo $! >"$pidf"
  else
    echo marker >"$pidf"
  fi
  echo "$name" >>{sb}/state/starts ;;
stop)
  [ -f "$pidf" ] && [ "$(cat "$pidf")" != marker ] && kill "$(cat "$pidf")" 2>/dev/null
  rm -f "$pidf" ;;
status)
  [ -f "$pidf" ] || exit 3
  [ "$(cat "$pidf")" = marker ] && exit 0
  kill -0 "$(cat "$pidf")" 2>/dev/null ;;
reload)
  [ -f "$pidf" ] || exit 0
  echo "$name reload" >>{sb}/state/starts ;;
esac
""")
os.chmod(ctl, 0o755)

owner = pwd.getpwuid(os.getuid()).pw_name
group = grp.getgrgid(os.getgid()).gr_name
egdd_cmd = f"{EGDD} --config {sb}/etc/egdd/egdd.toml"
STUNNELS = ["stunnel-egd@egd-server", "stunnel-egd@https-server", "stunnel-egd@https-operator",
            "stunnel-egd@egd-client"]


def service_commands(names):
    out = []
    for n in names:
        start = f"{ctl} start {n} {egdd_cmd}" if n == "egdd" else f"{ctl} start {n}"
        reload = f", 'reload' => '{ctl} reload {n}'" if n in STUNNELS else ""
        out.append(f"    '{n}' => {{ 'start' => '{start}', 'stop' => '{ctl} stop {n}', "
                   f"'status' => '{ctl} status {n}'{reload} }},")
    return "\n".join(out)


def pem(kind, b64):
    return f"-----BEGIN {kind}-----\\n{b64}\\n-----END {kind}-----\\n"


CERT, HTTPS_CERT, OP_CERT = pem("CERTIFICATE", "SE9TVA=="), pem("CERTIFICATE", "SFRUUFM="), pem("CERTIFICATE", "T1A=")
KEY = pem("PRIVATE KEY", "U0VDUkVULUtFWS1NQVRFUklBTA==")
HTTPS_KEY, OP_KEY = pem("PRIVATE KEY", "SFRUUFMtS0VZ"), pem("PRIVATE KEY", "T1AtS0VZ")
CRL1, CRL2 = pem("X509 CRL", "Q1JMMQ=="), pem("X509 CRL", "Q1JMMg==")


def manifest(allowed, root=sb, auth="cert", services=True, crl=CRL1):
    names = ["egdd", "trng-httpd"] + STUNNELS + ["egd-feed"]
    host_auth = (f"""  cert => "{CERT}", key => Sensitive("{KEY}"), ca => '{root}/ca.crt', crl => "{crl}",
  allowed_clients => {allowed},""" if auth == "cert" else
                 f"""  auth => 'psk', psk_secrets => Sensitive("hv1:{'ab' * 32}\\n"), ca => '{root}/ca.crt',""")
    client_auth = (f"""  cert => '{root}/client.crt', key => '{root}/client.key', ca => '{root}/ca.crt', crl => "{crl}",
  host_names => ['entropy1.example.org', 'entropy2.example.org'],""" if auth == "cert" else
                   f"""  auth => 'psk', psk_secret => '{root}/client.psk', feed_credit_bits_per_byte => 2.0,""")
    return f"""
class {{ 'egd':
  manage_package      => false,
  manage_service      => {'true' if services else 'false'},
  service_provider    => 'base',
  stunnel_dir         => '{root}/etc/stunnel',
  tls_dir             => '{root}/etc/stunnel/egd',
  stunnel_user_prefix => '',
  config_owner        => '{owner}',
  config_group        => '{group}',
  manage_run_dirs     => true,
  service_commands    => {{
{service_commands(names)}
  }},
}}
class {{ 'egd::host':
  config_dir       => '{root}/etc/egdd',
  run_dir          => '{root}/run/egdd',
  httpd_config_dir => '{root}/etc/trng-httpd',
  httpd_run_dir    => '{root}/run/trng-httpd',
  source_kind      => 'file',
  source_path      => '{root}/random.bin',
  entropy_certified => true,
  state_dir        => '{root}/var/lib/egdd',
  egdd_options     => {{ 'source' => {{ 'replay' => true }} }},
  egd_accept       => '127.0.0.1:17776',
  https_accept     => '127.0.0.1:18443',
  operator_accept  => '127.0.0.1:18444',
  https_cert       => "{HTTPS_CERT}",
  https_key        => Sensitive("{HTTPS_KEY}"),
  operators        => ['alice', 'bob'],
  operator_cert    => "{OP_CERT}",
  operator_key     => Sensitive("{OP_KEY}"),
{host_auth}
}}
class {{ 'egd::client':
  hosts           => ['10.99.0.1:7776', '10.99.0.2:7776'],
  run_dir         => '{root}/run/stunnel-egd-client',
  source_address  => '10.99.0.20',
  feed_config_dir => '{root}/etc/egd-feed',
  feed_dropin_dir => '{root}/etc/egd-feed.service.d',
  feed_device     => '{root}/random-sink',
{client_auth}
}}
"""


def apply(text, name):
    path = os.path.join(work, name + ".pp")
    with open(path, "w") as f:
        f.write(text)
    return run(["puppet", "apply", "--detailed-exitcodes", "--color=false", "--modulepath",
                f"{modulepath}:{STDLIB}"] + PUPPET_DIRS + [path])


def read(rel, root=sb):
    with open(os.path.join(root, rel)) as f:
        return f.read()


def mode(rel, root=sb):
    return os.stat(os.path.join(root, rel)).st_mode & 0o7777


def egdd_pid():
    try:
        return int(read("state/egdd.pid"))
    except (OSError, ValueError):
        return None


def starts():
    try:
        return read("state/starts").splitlines()
    except OSError:
        return []


def wait_gone(pid, timeout=5.0):
    """True once pid has exited (a zombie left to an init that does not reap counts)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def egd_entropy_bits():
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(os.path.join(sb, "run/egdd/egd.sock"))
        s.sendall(b"\x00")
        data = b""
        while len(data) < 4:
            chunk = s.recv(4 - len(data))
            if not chunk:
                break
            data += chunk
    return int.from_bytes(data, "big") if len(data) == 4 else None


def compare_rendered(cases, root, common, what=""):
    """Puppet's stunnel files against stunnel/render of the templates."""
    for tmpl, rel, params in cases:
        r = run([sys.executable, RENDER, os.path.join(ROOT, "stunnel", tmpl)] + params + common)
        want, got = settings(r.stdout), settings(read(rel, root))
        check(r.returncode == 0 and want == got and len(got) > 15,
              f"{what}{rel}: same settings as stunnel/render {tmpl}" +
              ("" if r.returncode == 0 else "\n  render: " + r.stderr.strip()) +
              ("" if want == got else f"\n  render: {want}\n  puppet: {got}"))


def check_config(binary, rel, root=sb):
    if os.access(binary, os.X_OK):
        r = run([binary, "--check-config", os.path.join(root, rel)])
        check(r.returncode == 0, f"{os.path.basename(binary)} --check-config accepts {rel}" +
              ("" if r.returncode == 0 else ": " + r.stdout + r.stderr))
    else:
        print(f"note  {binary} not built: its --check-config not run")


SECRETS = ["U0VDUkVULUtFWS1NQVRFUklBTA", "SFRUUFMtS0VZ", "T1AtS0VZ"]
have_egdd = os.access(EGDD, os.X_OK)
try:
    if have_egdd:
        r = apply(manifest("['hv1.example.org', 'hv2.example.org']"), "first")
        check(r.returncode == 2, f"first puppet apply makes changes without failures (exit {r.returncode})"
              + ("" if r.returncode == 2 else "\n" + r.stdout + r.stderr))
        out = r.stdout + r.stderr
        check(not any(k in out for k in SECRETS), "no Sensitive key appears in Puppet's output")

        egdd_toml = read("etc/egdd/egdd.toml")
        check(f'path = "{sb}/random.bin"' in egdd_toml and 'kind = "file"' in egdd_toml and
              f'listen = ["unix:{sb}/run/egdd/egd.sock", "proxy:unix:{sb}/run/egdd/proxy/egd.sock"]' in egdd_toml
              and f'socket = "{sb}/run/egdd/control.sock"' in egdd_toml
              and f'internal_listen = ["unix:{sb}/run/egdd/internal.sock"]' in egdd_toml,
              "egdd.toml: unix sockets (EGD, PROXY, internal for trng-httpd) under the sandbox's run directory")
        check_config(EGDD, "etc/egdd/egdd.toml")

        httpd_toml = read("etc/trng-httpd/trng-httpd.toml")
        check(f'listen = ["127.0.0.1:8000", "proxy:unix:{sb}/run/trng-httpd/operator/http.sock"]' in httpd_toml
              and f'public_listen = ["proxy:unix:{sb}/run/trng-httpd/public/http.sock"]' in httpd_toml
              and f'egd = "unix:{sb}/run/egdd/internal.sock"' in httpd_toml
              and f'control = "{sb}/run/egdd/control.sock"' in httpd_toml
              and f'dir = "{sb}/run/trng-httpd/files"' in httpd_toml,
              "trng-httpd.toml: operator role on loopback and its socket, public role on its socket, egdd's internal socket")
        feed_toml = read("etc/egd-feed/egd-feed.toml")
        check(f'connect = "unix:{sb}/run/stunnel-egd-client/egd.sock"' in feed_toml and
              f'device = "{sb}/random-sink"' in feed_toml, "egd-feed.toml connects to the stunnel client's socket")
        check_config(EGD_FEED, "etc/egd-feed/egd-feed.toml")
        check_config(TRNG_HTTPD, "etc/trng-httpd/trng-httpd.toml")

        dirs = {"run/egdd": 0o755, "run/egdd/proxy": 0o2750, "run/trng-httpd": 0o755,
                "run/trng-httpd/files": 0o700, "run/trng-httpd/public": 0o2750,
                "run/trng-httpd/operator": 0o2750, "run/stunnel-egd-client": 0o750, "etc/stunnel/egd": 0o755}
        got = {d: oct(mode(d)) if os.path.isdir(os.path.join(sb, d)) else None for d in dirs}
        check(got == {d: oct(m) for d, m in dirs.items()}, f"run and TLS directories with their modes: {got}")
        keys = {"egd-host.key": SECRETS[0], "https.key": SECRETS[1], "https-operator.key": SECRETS[2]}
        bad = [k for k, secret in keys.items()
               if mode("etc/stunnel/egd/" + k) != 0o400 or secret not in read("etc/stunnel/egd/" + k)]
        check(not bad, "the three instances' keys written from Sensitive content, each its own, mode 0400"
              + (f" (wrong: {bad})" if bad else ""))
        check(mode("etc/stunnel/egd/egd-host.crl") == 0o644 and "Q1JMMQ==" in read("etc/stunnel/egd/egd-host.crl")
              and mode("etc/stunnel/egd/egd-client.crl") == 0o644, "CRLs written 0644 (host and client)")
        check(not os.path.exists(os.path.join(sb, "etc/stunnel/egd/egd-client.key"))
              and not os.path.exists(os.path.join(sb, "client.key")),
              "a key given as a path is neither copied nor created")
        check(not os.path.exists(os.path.join(sb, "etc/egd-feed.service.d/credit.conf")),
              "no CAP_SYS_ADMIN drop-in for egd-feed while it credits nothing")

        # Same settings as stunnel/render makes from the .conf.in templates.
        common = ["SETUID=", "SETGID=", "DEBUG=notice"]
        tls = f"{sb}/etc/stunnel/egd"
        compare_rendered([
            ("egd-server.conf.in", "etc/stunnel/egd-server.conf",
             ["ACCEPT=127.0.0.1:17776", f"CONNECT={sb}/run/egdd/proxy/egd.sock",
              f"CERT={tls}/egd-host.crt", f"KEY={tls}/egd-host.key", f"CAFILE={sb}/ca.crt",
              f"CRLFILE={tls}/egd-host.crl", "ALLOWED_CLIENTS=hv1.example.org,hv2.example.org"]),
            ("https-server.conf.in", "etc/stunnel/https-server.conf",
             ["ACCEPT=127.0.0.1:18443", f"CONNECT={sb}/run/trng-httpd/public/http.sock",
              f"CERT={tls}/https.crt", f"KEY={tls}/https.key"]),
            ("https-operator.conf.in", "etc/stunnel/https-operator.conf",
             ["ACCEPT=127.0.0.1:18444", f"CONNECT={sb}/run/trng-httpd/operator/http.sock",
              f"CERT={tls}/https-operator.crt", f"KEY={tls}/https-operator.key", f"CAFILE={sb}/ca.crt",
              f"CRLFILE={tls}/egd-host.crl", "ALLOWED_OPERATORS=alice,bob"]),
            ("egd-client.conf.in", "etc/stunnel/egd-client.conf",
             [f"ACCEPT={sb}/run/stunnel-egd-client/egd.sock", "CONNECT=10.99.0.1:7776,10.99.0.2:7776",
              "HOST_NAMES=entropy1.example.org,entropy2.example.org", f"CERT={sb}/client.crt",
              f"KEY={sb}/client.key", f"CAFILE={sb}/ca.crt", f"CRLFILE={tls}/egd-client.crl",
              "SOURCE_ADDRESS=10.99.0.20"]),
        ], sb, common)

        # egdd really runs on what Puppet wrote, started by the base provider.
        pid1 = egdd_pid()
        bits = None
        for _ in range(50):
            try:
                bits = egd_entropy_bits()
                if bits:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        check(pid1 is not None and bits, f"egdd started by Puppet answers EGD 0x00 on its unix socket ({bits} bits)")

        r = apply(manifest("['hv1.example.org', 'hv2.example.org']"), "second")
        check(r.returncode == 0, f"second puppet apply changes nothing (exit {r.returncode})" +
              ("" if r.returncode == 0 else "\n" + r.stdout + r.stderr))
        check(egdd_pid() == pid1, "egdd not restarted by the second apply")

        # A new CRL reloads the instances that check it; nothing restarts.
        before = starts()
        r = apply(manifest("['hv1.example.org', 'hv2.example.org']", crl=CRL2), "crl")
        new = starts()[len(before):]
        check(r.returncode == 2 and "Q1JMMg==" in read("etc/stunnel/egd/egd-host.crl"),
              f"apply with a new CRL writes it (exit {r.returncode})")
        want = sorted(f"{s} reload" for s in ("stunnel-egd@egd-server", "stunnel-egd@https-operator",
                                              "stunnel-egd@egd-client"))
        check(sorted(new) == want, f"the new CRL reloaded egd-server, https-operator and egd-client, "
                                   f"restarted nothing: {new}")
        check(egdd_pid() == pid1, "egdd not restarted by the CRL change")

        r = apply(manifest("['hv1.example.org']", crl=CRL2), "revoke")
        check(r.returncode == 2, f"apply with hv2 removed from the allow-list changes something (exit {r.returncode})")
        conf = read("etc/stunnel/egd-server.conf")
        check("checkHost = hv1.example.org" in conf and "hv2" not in conf, "hv2 gone from the allow-list")
        pid2 = egdd_pid()
        check(pid2 is not None and pid2 != pid1, f"the change restarted egdd (pid {pid1} -> {pid2})")
        check(wait_gone(pid1), "the old egdd was stopped")

        # PSK variants, configuration only.
        psb = os.path.join(work, "psk")
        for d in ("etc", "run"):
            os.makedirs(os.path.join(psb, d))
        r = apply(manifest("[]", root=psb, auth="psk", services=False), "psk")
        check(r.returncode == 2, f"apply of the PSK variant (exit {r.returncode})" +
              ("" if r.returncode == 2 else "\n" + r.stdout + r.stderr))
        psk = os.path.join(psb, "etc/stunnel/egd/egd-server.psk")
        check(os.path.isfile(psk) and (os.stat(psk).st_mode & 0o777) == 0o400, "server PSK file written 0400")
        compare_rendered([
            ("egd-server-psk.conf.in", "etc/stunnel/egd-server.conf",
             ["ACCEPT=127.0.0.1:17776", f"CONNECT={psb}/run/egdd/proxy/egd.sock",
              f"PSK_SECRETS={psb}/etc/stunnel/egd/egd-server.psk"]),
            ("egd-client-psk.conf.in", "etc/stunnel/egd-client.conf",
             [f"ACCEPT={psb}/run/stunnel-egd-client/egd.sock", "CONNECT=10.99.0.1:7776,10.99.0.2:7776",
              f"PSK_SECRETS={psb}/client.psk", "SOURCE_ADDRESS=10.99.0.20"]),
        ], psb, common, "PSK ")
        dropin = read("etc/egd-feed.service.d/credit.conf", psb)
        check("AmbientCapabilities=CAP_SYS_ADMIN" in dropin and "CapabilityBoundingSet=CAP_SYS_ADMIN" in dropin,
              "egd-feed crediting 2 bits per byte: the drop-in grants CAP_SYS_ADMIN")
        check_config(EGD_FEED, "etc/egd-feed/egd-feed.toml", psb)
finally:
    pid = egdd_pid()
    if pid:
        try:
            os.kill(pid, 15)
        except OSError:
            pass
    shutil.rmtree(work, ignore_errors=True)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
if not have_egdd:
    skip(f"static checks and rspec passed, but egdd is not built ({EGDD}): sandbox apply not run")
print("all checks passed")
