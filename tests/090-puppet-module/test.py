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
    egdd on the rendered egdd.toml (a capture file as source, free ports), so the
    test sees it run and answer an EGD request. The other daemons are stood in by
    marker files (their binaries and certificates belong to the fleet test).
    Asserted: the rendered files' contents and modes (keys 0640, redacted in
    Puppet's output), `egdd --check-config` accepts egdd.toml (and egd-feed /
    trng-httpd --check-config their files when those binaries are built), the
    stunnel configurations carry the same settings, line for line, as
    stunnel/render makes from stunnel/*.conf.in with the same parameters (for the
    certificate and the PSK variants), a second apply changes nothing
    (--detailed-exitcodes 0), and a changed parameter restarts egdd (new pid).
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
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODULE = os.path.join(ROOT, "puppet")
RENDER = os.path.join(ROOT, "stunnel", "render")
STDLIB = "/usr/share/puppet/modules"
EGDD = os.environ.get("EGDD", os.path.join(ROOT, "build", "egdd", "egdd"))
EGD_FEED = os.environ.get("EGD_FEED", os.path.join(ROOT, "build", "feed", "egd-feed"))
TRNG_HTTPD = os.environ.get("TRNG_HTTPD", os.path.join(ROOT, "build", "httpd", "trng-httpd"))

failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

# The `base` provider's commands: real egdd, marker files for the others.
ctl = os.path.join(sb, "ctl")
with open(ctl, "w") as f:
    f.write(f"""#!/bin/sh
# ctl start|stop|status NAME [COMMAND...]
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
esac
""")
os.chmod(ctl, 0o755)

egd_port, proxy_port = free_port(), free_port()
owner = pwd.getpwuid(os.getuid()).pw_name
group = grp.getgrgid(os.getgid()).gr_name
egdd_cmd = f"{EGDD} --config {sb}/etc/egdd/egdd.toml"


def service_commands(names):
    out = []
    for n in names:
        start = f"{ctl} start {n} {egdd_cmd}" if n == "egdd" else f"{ctl} start {n}"
        out.append(f"    '{n}' => {{ 'start' => '{start}', 'stop' => '{ctl} stop {n}', "
                   f"'status' => '{ctl} status {n}' }},")
    return "\n".join(out)


CERT = "-----BEGIN CERTIFICATE-----\\nSE9TVA==\\n-----END CERTIFICATE-----\\n"
KEY = "-----BEGIN PRIVATE KEY-----\\nU0VDUkVULUtFWS1NQVRFUklBTA==\\n-----END PRIVATE KEY-----\\n"


def manifest(allowed, root=sb, auth="cert", services=True):
    names = ["egdd", "trng-httpd", "stunnel-egd@egd-server", "stunnel-egd@https-server",
             "stunnel-egd@egd-client", "egd-feed"]
    host_auth = (f"""  cert => "{CERT}", key => Sensitive("{KEY}"), ca => '{root}/ca.crt',
  allowed_clients => {allowed},""" if auth == "cert" else
                 f"""  auth => 'psk', psk_secrets => Sensitive("hv1:{'ab' * 32}\\n"),
  https_cert => "{CERT}", https_key => Sensitive("{KEY}"),""")
    client_auth = (f"""  cert => '{root}/client.crt', key => '{root}/client.key', ca => '{root}/ca.crt',
  host_names => ['entropy1.example.org', 'entropy2.example.org'],""" if auth == "cert" else
                   f"""  auth => 'psk', psk_secret => '{root}/client.psk',""")
    return f"""
class {{ 'egd':
  manage_package   => false,
  manage_service   => {'true' if services else 'false'},
  service_provider => 'base',
  stunnel_dir      => '{root}/etc/stunnel',
  tls_dir          => '{root}/etc/stunnel/egd',
  stunnel_user     => '',
  config_owner     => '{owner}',
  config_group     => '{group}',
  tls_group        => '{group}',
  manage_run_dirs  => true,
  service_commands => {{
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
  egd_listen       => ['127.0.0.1:{egd_port}', 'proxy:127.0.0.1:{proxy_port}'],
  egd_connect      => '127.0.0.1:{proxy_port}',
  egd_accept       => '127.0.0.1:17776',
  https_accept     => '127.0.0.1:18443',
  httpd_egd        => '127.0.0.1:{egd_port}',
{host_auth}
}}
class {{ 'egd::client':
  hosts           => ['10.99.0.1:7776', '10.99.0.2:7776'],
  accept          => '127.0.0.1:17777',
  source_address  => '10.99.0.20',
  feed_config_dir => '{root}/etc/egd-feed',
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


def egdd_pid():
    try:
        return int(read("state/egdd.pid"))
    except (OSError, ValueError):
        return None


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
    with socket.create_connection(("127.0.0.1", egd_port), timeout=5) as s:
        s.sendall(b"\x00")
        data = b""
        while len(data) < 4:
            chunk = s.recv(4 - len(data))
            if not chunk:
                break
            data += chunk
    return int.from_bytes(data, "big") if len(data) == 4 else None


have_egdd = os.access(EGDD, os.X_OK)
try:
    if have_egdd:
        r = apply(manifest("['hv1.example.org', 'hv2.example.org']"), "first")
        check(r.returncode == 2, f"first puppet apply makes changes without failures (exit {r.returncode})"
              + ("" if r.returncode == 2 else "\n" + r.stdout + r.stderr))
        out = r.stdout + r.stderr
        check("U0VDUkVULUtFWS1NQVRFUklBTA" not in out, "the Sensitive key does not appear in Puppet's output")

        egdd_toml = read("etc/egdd/egdd.toml")
        check(f'path = "{sb}/random.bin"' in egdd_toml and 'kind = "file"' in egdd_toml and
              f'listen = ["127.0.0.1:{egd_port}", "proxy:127.0.0.1:{proxy_port}"]' in egdd_toml and
              f'socket = "{sb}/run/egdd/control.sock"' in egdd_toml, "egdd.toml rendered with the sandbox settings")
        r = run([EGDD, "--check-config", os.path.join(sb, "etc/egdd/egdd.toml")])
        check(r.returncode == 0, "egdd --check-config accepts the rendered egdd.toml" +
              ("" if r.returncode == 0 else ": " + r.stdout + r.stderr))

        httpd_toml = read("etc/trng-httpd/trng-httpd.toml")
        check(f'egd = "127.0.0.1:{egd_port}"' in httpd_toml and f'control = "{sb}/run/egdd/control.sock"' in httpd_toml
              and f'dir = "{sb}/run/trng-httpd"' in httpd_toml, "trng-httpd.toml rendered")
        feed_toml = read("etc/egd-feed/egd-feed.toml")
        check('connect = "127.0.0.1:17777"' in feed_toml and f'device = "{sb}/random-sink"' in feed_toml,
              "egd-feed.toml connects to the local stunnel port")
        for binary, rel in ((EGD_FEED, "etc/egd-feed/egd-feed.toml"), (TRNG_HTTPD, "etc/trng-httpd/trng-httpd.toml")):
            if os.access(binary, os.X_OK):
                r = run([binary, "--check-config", os.path.join(sb, rel)])
                check(r.returncode == 0, f"{os.path.basename(binary)} --check-config accepts {rel}" +
                      ("" if r.returncode == 0 else ": " + r.stdout + r.stderr))
            else:
                print(f"note  {binary} not built: its --check-config not run")

        key = os.path.join(sb, "etc/stunnel/egd/egd-host.key")
        check(os.path.isfile(key) and (os.stat(key).st_mode & 0o777) == 0o640 and "U0VDUkVULUtFWS1NQVRFUklBTA" in read(key),
              "host key written from Sensitive content, mode 0640")
        check((os.stat(os.path.join(sb, "etc/stunnel/egd")).st_mode & 0o777) == 0o750, "tls_dir is 0750")
        check(not os.path.exists(os.path.join(sb, "etc/stunnel/egd/egd-client.key")),
              "a key given as a path is left alone (no copy)")

        # Same settings as stunnel/render makes from the .conf.in templates.
        common = ["SETUID=", "SETGID=", "DEBUG=notice"]
        cases = [
            ("egd-server.conf.in", "etc/stunnel/egd-server.conf",
             [f"ACCEPT=127.0.0.1:17776", f"CONNECT=127.0.0.1:{proxy_port}",
              f"CERT={sb}/etc/stunnel/egd/egd-host.crt", f"KEY={sb}/etc/stunnel/egd/egd-host.key",
              f"CAFILE={sb}/ca.crt", "ALLOWED_CLIENTS=hv1.example.org,hv2.example.org"]),
            ("https-server.conf.in", "etc/stunnel/https-server.conf",
             ["ACCEPT=127.0.0.1:18443", "CONNECT=127.0.0.1:8000",
              f"CERT={sb}/etc/stunnel/egd/egd-host.crt", f"KEY={sb}/etc/stunnel/egd/egd-host.key"]),
            ("egd-client.conf.in", "etc/stunnel/egd-client.conf",
             ["ACCEPT=127.0.0.1:17777", "CONNECT=10.99.0.1:7776,10.99.0.2:7776",
              "HOST_NAMES=entropy1.example.org,entropy2.example.org", f"CERT={sb}/client.crt",
              f"KEY={sb}/client.key", f"CAFILE={sb}/ca.crt", "SOURCE_ADDRESS=10.99.0.20"]),
        ]
        for tmpl, rel, params in cases:
            r = run([sys.executable, RENDER, os.path.join(ROOT, "stunnel", tmpl)] + params + common)
            want, got = settings(r.stdout), settings(read(rel))
            check(r.returncode == 0 and want == got and len(got) > 15,
                  f"{rel}: same settings as stunnel/render {tmpl}" +
                  ("" if want == got else f"\n  render: {want}\n  puppet: {got}"))

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
        check(pid1 is not None and bits, f"egdd started by Puppet answers EGD 0x00 ({bits} bits)")

        r = apply(manifest("['hv1.example.org', 'hv2.example.org']"), "second")
        check(r.returncode == 0, f"second puppet apply changes nothing (exit {r.returncode})" +
              ("" if r.returncode == 0 else "\n" + r.stdout + r.stderr))
        check(egdd_pid() == pid1, "egdd not restarted by the second apply")

        r = apply(manifest("['hv1.example.org']"), "revoke")
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
        check(os.path.isfile(psk) and (os.stat(psk).st_mode & 0o777) == 0o640, "server PSK file written 0640")
        for tmpl, rel, params in [
            ("egd-server-psk.conf.in", "etc/stunnel/egd-server.conf",
             ["ACCEPT=127.0.0.1:17776", f"CONNECT=127.0.0.1:{proxy_port}",
              f"PSK_SECRETS={psb}/etc/stunnel/egd/egd-server.psk"]),
            ("egd-client-psk.conf.in", "etc/stunnel/egd-client.conf",
             ["ACCEPT=127.0.0.1:17777", "CONNECT=10.99.0.1:7776,10.99.0.2:7776",
              f"PSK_SECRETS={psb}/client.psk", "SOURCE_ADDRESS=10.99.0.20"]),
        ]:
            r = run([sys.executable, RENDER, os.path.join(ROOT, "stunnel", tmpl)] + params + common)
            want, got = settings(r.stdout), settings(read(rel, psb))
            check(r.returncode == 0 and want == got and len(got) > 15,
                  f"PSK {rel}: same settings as stunnel/render {tmpl}" +
                  ("" if want == got else f"\n  render: {want}\n  puppet: {got}"))
        https = read("etc/stunnel/https-server.conf", psb)
        check(f"cert = {psb}/etc/stunnel/egd/https.crt" in https, "HTTPS uses its own certificate when given")
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
