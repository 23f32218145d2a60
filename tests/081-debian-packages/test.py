#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The Debian packages (cmake/Packaging.cmake): built with `cpack -G DEB` from
the build directory EGD_BUILD_DIR, inspected with dpkg-deb (files, conffiles,
maintainer scripts, dependencies, Maintainer, the DEP-5 copyright naming
Apache-2.0, stripped binaries) and lintian if installed, run from an extracted
tree (--check-config on the shipped configurations), then installed for real
with dpkg -i, reinstalled, removed and purged. After installing, the system
users, groups and memberships of the trust chain (ACCOUNTS, MEMBERS) must exist
and every unit must carry LimitCORE=0; a second installation, egd-stunnel first
and the others one by one, must end with the same memberships (each package
creates a group it needs if another has not yet).

The real installation happens in a private mount namespace whose /etc, /usr and
/var are overlays on tmpfs and whose /run is an empty tmpfs (so no systemd or
udev is reachable and no service is started): adduser, dpkg and
deb-systemd-helper change only the overlays, which vanish with the namespace.
The host is checked afterwards to be untouched. Without unshare/overlayfs that
part is skipped (reported), the rest still runs.
"""
import gzip
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402

BUILD = os.path.abspath(os.environ.get("EGD_BUILD_DIR", os.path.join(HERE, "..", "..", "build")))

# package -> files it must hold (absolute paths in the installed system)
EXPECTED = {
    "egdd": ["/usr/sbin/egdd", "/usr/sbin/egdctl", "/usr/bin/egd-eval", "/etc/egdd/egdd.toml",
             "/lib/systemd/system/egdd.service", "/lib/udev/rules.d/60-egdd-hwrng.rules",
             "/usr/share/doc/egdd/copyright", "/usr/share/doc/egdd/README.md",
             "/usr/share/man/man8/egdd.8.gz", "/usr/share/man/man8/egdctl.8.gz",
             "/usr/share/man/man1/egd-eval.1.gz"],
    "trng-httpd": ["/usr/sbin/trng-httpd", "/etc/trng-httpd/trng-httpd.toml",
                   "/lib/systemd/system/trng-httpd.service", "/usr/share/doc/trng-httpd/copyright",
                   "/usr/share/doc/trng-httpd/api.md",
                   "/usr/share/man/man8/trng-httpd.8.gz"],
    "egd-feed": ["/usr/sbin/egd-feed", "/etc/egd-feed/egd-feed.toml",
                 "/lib/systemd/system/egd-feed.service", "/usr/share/doc/egd-feed/copyright",
                 "/usr/share/doc/egd-feed/credit.conf", "/usr/share/man/man8/egd-feed.8.gz"],
    "trng-sim": ["/usr/bin/trng-sim", "/usr/share/doc/trng-sim/copyright",
                 "/usr/share/man/man1/trng-sim.1.gz"],
    "egd-stunnel": ["/lib/systemd/system/stunnel-egd@.service", "/usr/sbin/egd-pki",
                    "/usr/share/egd-stunnel/render", "/usr/share/egd-stunnel/egd-server.conf.in",
                    "/usr/share/egd-stunnel/egd-client.conf.in", "/usr/share/doc/egd-stunnel/copyright",
                    "/usr/share/man/man8/egd-pki.8.gz"],
}
CONFFILES = {"egdd": ["/etc/egdd/egdd.toml"], "trng-httpd": ["/etc/trng-httpd/trng-httpd.toml"],
             "egd-feed": ["/etc/egd-feed/egd-feed.toml"], "trng-sim": [], "egd-stunnel": []}
SCRIPTS = {"egdd": True, "trng-httpd": True, "egd-feed": True, "trng-sim": False, "egd-stunnel": True}
DEPENDS = {"egdd": ["adduser", "libsodium23", "libtomlplusplus3"],
           "trng-httpd": ["adduser", "egdd (="], "egd-feed": ["adduser"],
           "egd-stunnel": ["adduser", "stunnel4", "openssl", "python3"], "trng-sim": ["libc6"]}
# service user -> (config, supplementary group it must be in)
USERS = {"egdd": ("/etc/egdd/egdd.toml", "dialout"),
         "trng-httpd": ("/etc/trng-httpd/trng-httpd.toml", "egdd"),
         "egd-feed": ("/etc/egd-feed/egd-feed.toml", None)}
CHECK_CONFIG = {"egdd": "/usr/sbin/egdd", "trng-httpd": "/usr/sbin/trng-httpd",
                "egd-feed": "/usr/sbin/egd-feed"}
# Every system user the packages make (each with a group of its name, no shell, no
# home), the groups of their own, and USER:GROUP memberships (docs: issue 12's topology).
ACCOUNTS = ["egdd", "trng-httpd", "egd-feed", "stunnel-egd-server", "stunnel-https-server",
            "stunnel-https-operator", "stunnel-egd-client"]
GROUPS = ["egd-proxy", "egd-https", "egd-operator"]
MEMBERS = ["egdd:dialout", "trng-httpd:egdd", "stunnel-egd-server:egd-proxy",
           "stunnel-https-server:egd-https", "stunnel-https-operator:egd-operator",
           "egd-feed:stunnel-egd-client"]
UNITS = ["egdd.service", "trng-httpd.service", "egd-feed.service", "stunnel-egd@.service"]
MAINTAINER = "egdd maintainers <maintainers@egdd.invalid>"

checklist = egdtest.Checklist()
check, failures = checklist.check, checklist.failures


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build_packages(out):
    cfg = os.path.join(BUILD, "CPackConfig.cmake")
    if not os.path.exists(cfg):
        print(f"FAIL {cfg} missing: configure the build with cmake/Packaging.cmake included")
        sys.exit(1)
    r = run(["cpack", "-G", "DEB", "--config", cfg, "-B", out], timeout=300)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        print("FAIL cpack -G DEB")
        sys.exit(1)
    debs = {}
    for name in os.listdir(out):
        if name.endswith(".deb"):
            debs[name.split("_")[0]] = os.path.join(out, name)
    check(sorted(debs) == sorted(EXPECTED), f"cpack built {sorted(debs)}")
    return debs


def control_field(deb, field):
    return run(["dpkg-deb", "--field", deb, field]).stdout.strip()


def inspect(pkg, deb, ctrl_dir):
    listing = run(["dpkg-deb", "--contents", deb]).stdout.splitlines()
    files = {line.split()[5][1:] for line in listing if not line.startswith("d")}
    for f in EXPECTED[pkg]:
        check(f in files, f"{pkg}: ships {f}")
    check(not any(f.startswith("/usr/local") for f in files), f"{pkg}: nothing in /usr/local")
    check(control_field(deb, "Package") == pkg, f"{pkg}: Package field")
    check(control_field(deb, "Maintainer") == MAINTAINER, f"{pkg}: Maintainer {MAINTAINER}")
    depends = control_field(deb, "Depends")
    for d in DEPENDS[pkg]:
        check(d in depends, f"{pkg}: Depends has {d!r} ({depends})")
    os.makedirs(os.path.dirname(ctrl_dir), exist_ok=True)
    run(["dpkg-deb", "--control", deb, ctrl_dir], check=True)
    conffiles = os.path.join(ctrl_dir, "conffiles")
    listed = open(conffiles).read().split() if os.path.exists(conffiles) else []
    check(listed == CONFFILES[pkg], f"{pkg}: conffiles {listed}")
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(ctrl_dir, script)
        present = os.path.exists(path)
        check(present == SCRIPTS[pkg], f"{pkg}: {script} {'present' if SCRIPTS[pkg] else 'absent'}")
        if present:
            check(stat.S_IMODE(os.stat(path).st_mode) == 0o755, f"{pkg}: {script} mode 0755")
            check(run(["sh", "-n", path]).returncode == 0, f"{pkg}: {script} is valid sh")
            if shutil.which("shellcheck"):
                r = run(["shellcheck", "-s", "sh", path])
                check(r.returncode == 0, f"{pkg}: {script} shellcheck clean {r.stdout.strip()}")
            text = open(path).read()
            # a service is started or stopped only behind the systemd-is-running guard
            for line_no, line in enumerate(text.splitlines()):
                if "deb-systemd-invoke" in line or "systemctl" in line:
                    before = "\n".join(text.splitlines()[:line_no])
                    check("[ -d /run/systemd/system ]" in before,
                          f"{pkg}: {script}:{line_no + 1} guarded by /run/systemd/system")
    return files


def check_copyright(root, pkg):
    """DEP-5 (machine-readable), Apache-2.0, pointing at Debian's copy of the text."""
    text = open(f"{root}/usr/share/doc/{pkg}/copyright").read()
    check(text.startswith("Format: https://www.debian.org/doc/packaging-manuals/"
                          "copyright-format/1.0/\n")
          and "\nFiles: *\n" in text and "\nLicense: Apache-2.0\n" in text
          and "/usr/share/common-licenses/Apache-2.0" in text,
          f"{pkg}: copyright is DEP-5, License: Apache-2.0")


def check_license():
    debian = "/usr/share/common-licenses/Apache-2.0"
    if not os.path.exists(debian):
        print(f"note: {debian} missing: LICENSE not compared")
        return
    ours = open(os.path.join(HERE, "..", "..", "LICENSE")).read()
    check(ours == open(debian).read(), "LICENSE is the Apache-2.0 text Debian ships")


def check_stripped(root, pkg):
    for f in EXPECTED[pkg]:
        p = root + f
        if f.startswith(("/usr/sbin/", "/usr/bin/")) and open(p, "rb").read(4) == b"\x7fELF":
            sections = run(["readelf", "-S", "-W", p]).stdout
            check(".symtab" not in sections and ".debug_info" not in sections, f"{pkg}: {f} stripped")


# program in the extracted tree -> its manual page there
MANPAGES = {"/usr/sbin/egdd": "/usr/share/man/man8/egdd.8.gz",
            "/usr/sbin/egdctl": "/usr/share/man/man8/egdctl.8.gz",
            "/usr/bin/egd-eval": "/usr/share/man/man1/egd-eval.1.gz",
            "/usr/sbin/trng-httpd": "/usr/share/man/man8/trng-httpd.8.gz",
            "/usr/sbin/egd-feed": "/usr/share/man/man8/egd-feed.8.gz",
            "/usr/bin/trng-sim": "/usr/share/man/man1/trng-sim.1.gz",
            "/usr/sbin/egd-pki": "/usr/share/man/man8/egd-pki.8.gz"}


def check_manpages(root):
    """Every option a program's usage text names is documented in its page."""
    for prog, page in MANPAGES.items():
        usage = run([root + prog, "--help"], timeout=30)
        options = set(re.findall(r"--[a-z][a-z-]+", usage.stdout + usage.stderr)) - {"--help"}
        text = gzip.open(root + page, "rt").read().replace("\\-", "-")
        missing = sorted(o for o in options if o not in text)
        check(options and not missing, f"{page}: documents {len(options)} options of {prog} {missing}")


def lintian(debs):
    if not shutil.which("lintian"):
        print("note: lintian not installed, not run")
        return
    r = run(["lintian", "--tag-display-limit", "0", *sorted(debs.values())], timeout=300)
    print("lintian:\n" + (r.stdout + r.stderr).strip())
    errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
    check(not errors, f"lintian: no errors ({len(errors)})")
    # Every package has its manual pages and overrides only the ITP-bug tag.
    warnings = [l for l in r.stdout.splitlines() if l.startswith("W:")]
    check(not warnings, f"lintian: no warnings ({len(warnings)})")


def extracted_tree(debs, root):
    for deb in debs.values():
        run(["dpkg-deb", "-x", deb, root], check=True)
    for pkg, binary in CHECK_CONFIG.items():
        conf = root + EXPECTED[pkg][[f.startswith("/etc/") for f in EXPECTED[pkg]].index(True)]
        r = run([root + binary, "--check-config", conf])
        check(r.returncode == 0, f"extracted {binary} --check-config {conf}: {r.stdout}{r.stderr}".strip())
    # trng-httpd reads through egdd's internal listener, so egdd counts it apart.
    with open(root + "/etc/egdd/egdd.toml", "rb") as f:
        internal = tomllib.load(f)["egd"].get("internal_listen", [])
    with open(root + "/etc/trng-httpd/trng-httpd.toml", "rb") as f:
        httpd_egd = tomllib.load(f)["egdd"]["egd"]
    check(httpd_egd in internal,
          f"packaged trng-httpd reads from egdd's internal_listen: {httpd_egd} in {internal}")
    # The check can fail: a broken copy is refused with file:line.
    bad = os.path.join(root, "bad.toml")
    with open(bad, "w") as f:
        f.write(open(root + "/etc/egdd/egdd.toml").read() + "\n[source]\nkind = 7\n")
    r = run([root + "/usr/sbin/egdd", "--check-config", bad])
    check(r.returncode == 1 and bad + ":" in r.stdout + r.stderr,
          f"extracted egdd --check-config refuses a broken config: {(r.stdout + r.stderr).strip()}")
    r = run([root + "/usr/share/egd-stunnel/render", "--params",
             root + "/usr/share/egd-stunnel/egd-server.conf.in"])
    check(r.returncode == 0 and r.stdout.strip(), "extracted egd-stunnel render --params runs")


# ---- inside the private mount namespace ---------------------------------------

def mount_overlays(result_path):
    """/etc, /usr and /var become overlays on a tmpfs, /run an empty tmpfs: what
    dpkg and adduser change vanishes with the namespace."""
    scratch = os.path.join(os.path.dirname(result_path), "ns")  # in the test's temp dir
    os.makedirs(scratch)
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", scratch], check=True)
    for d in ("/etc", "/usr", "/var"):
        up, wk = scratch + d + "-up", scratch + d + "-wk"
        os.makedirs(up)
        os.makedirs(wk)
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={d},upperdir={up},workdir={wk}", d], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)


def check_accounts(ok, tag):
    """The users, groups and memberships of the trust chain, as a process started
    for the user (runuser, like systemd's User=: groups from /etc/group) sees them."""
    import grp
    import pwd
    for user in ACCOUNTS:
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            ok(False, f"{tag}: system user {user} exists")
            continue
        group = grp.getgrgid(pw.pw_gid).gr_name
        ok(pw.pw_uid < 1000 and pw.pw_shell.endswith("nologin") and pw.pw_dir == "/nonexistent"
           and not os.path.exists(pw.pw_dir) and group == user,
           f"{tag}: {user}: system user (uid {pw.pw_uid}), group {group}, shell {pw.pw_shell}, "
           f"home {pw.pw_dir}")
    for group in GROUPS:
        try:
            ok(grp.getgrnam(group).gr_gid < 1000, f"{tag}: system group {group}")
        except KeyError:
            ok(False, f"{tag}: group {group} exists")
    for m in MEMBERS:
        user, group = m.split(":")
        r = run(["runuser", "-u", user, "--", "id", "-Gn"])
        ok(group in r.stdout.split(), f"{tag}: {user} is in group {group} ({r.stdout.strip()})")


def check_units_core(ok, tag):
    for unit in UNITS:
        path = "/lib/systemd/system/" + unit
        text = open(path).read() if os.path.exists(path) else ""
        ok(re.search(r"(?m)^LimitCORE=0$", text), f"{tag}: {unit} has LimitCORE=0")


def inside_stunnel_first(debs_json, result_path):
    """egd-stunnel before the packages whose groups its users join, then egd-feed
    after it: every membership still ends up in place."""
    debs = json.loads(debs_json)
    res = []

    def ok(cond, what):
        res.append([bool(cond), what])

    mount_overlays(result_path)
    for step in (["egd-stunnel"], ["egd-feed"], ["egdd", "trng-httpd"]):
        r = run(["dpkg", "-i", *[debs[p] for p in step]])
        ok(r.returncode == 0, f"stunnel first: dpkg -i {' '.join(step)}"
           + ("" if r.returncode == 0 else f": {r.stdout[-1500:]}{r.stderr[-1500:]}"))
    check_accounts(ok, "stunnel first")
    with open(result_path, "w") as f:
        json.dump(res, f)


def inside(debs_json, result_path):
    """Runs as `unshare -m`: overlays, dpkg -i / -r / -P, checks; results as JSON."""
    debs = json.loads(debs_json)
    res = []

    def ok(cond, what):
        res.append([bool(cond), what])

    mount_overlays(result_path)

    order = ["egdd", "trng-httpd", "egd-feed", "trng-sim", "egd-stunnel"]
    r = run(["dpkg", "-i", *[debs[p] for p in order]])
    ok(r.returncode == 0, "dpkg -i all packages" + ("" if r.returncode == 0 else f": {r.stdout[-1500:]}{r.stderr[-1500:]}"))
    for p in order:
        s = run(["dpkg-query", "-W", "-f=${Status}", p]).stdout
        ok(s == "install ok installed", f"{p}: dpkg status {s!r}")

    def users_and_files(tag):
        import grp
        import pwd
        check_accounts(ok, tag)
        check_units_core(ok, tag)
        for user, (conf, group) in USERS.items():
            try:
                pw = pwd.getpwnam(user)
            except KeyError:
                ok(False, f"{tag}: system user {user} exists")
                continue
            ok(pw.pw_uid < 1000 and pw.pw_shell.endswith("nologin"),
               f"{tag}: {user} is a system user (uid {pw.pw_uid}, shell {pw.pw_shell})")
            ok(grp.getgrgid(pw.pw_gid).gr_name == user, f"{tag}: {user}'s group is {user}")
            if group:
                ok(user in grp.getgrnam(group).gr_mem, f"{tag}: {user} is in group {group}")
            st = os.stat(conf)
            ok(st.st_uid == 0 and st.st_gid == pw.pw_gid and stat.S_IMODE(st.st_mode) == 0o640,
               f"{tag}: {conf} root:{user} 0640 (uid {st.st_uid} gid {st.st_gid} "
               f"mode {oct(stat.S_IMODE(st.st_mode))})")
            binary = CHECK_CONFIG[user]
            r = run(["runuser", "-u", user, "--", binary, "--check-config", conf])
            ok(r.returncode == 0, f"{tag}: as {user}: {binary} --check-config {conf}: "
               f"{(r.stdout + r.stderr).strip()}")
        r = run(["runuser", "-u", "egd-feed", "--", "cat", "/etc/egdd/egdd.toml"])
        ok(r.returncode != 0, f"{tag}: egd-feed cannot read /etc/egdd/egdd.toml")

    users_and_files("installed")
    wants = "/etc/systemd/system/multi-user.target.wants/"
    for unit, enabled in (("egdd.service", True), ("trng-httpd.service", True),
                          ("egd-feed.service", False)):
        ok(os.path.islink(wants + unit) == enabled,
           f"{unit} {'enabled' if enabled else 'not enabled'} by deb-systemd-helper")

    # Reinstall (postinst configure with an old version): idempotent.
    r = run(["dpkg", "-i", *[debs[p] for p in order]])
    ok(r.returncode == 0, "dpkg -i again (reinstall)" + ("" if r.returncode == 0 else f": {r.stderr[-1500:]}"))
    users_and_files("reinstalled")

    # Remove keeps a modified conffile, purge deletes it.
    with open("/etc/egdd/egdd.toml", "a") as f:
        f.write("# local change\n")
    r = run(["dpkg", "-r", *reversed(order)])
    ok(r.returncode == 0, "dpkg -r" + ("" if r.returncode == 0 else f": {r.stderr[-1500:]}"))
    ok(not os.path.exists("/usr/sbin/egdd"), "removed: /usr/sbin/egdd gone")
    ok("# local change" in open("/etc/egdd/egdd.toml").read(), "removed: modified conffile kept")
    r = run(["dpkg", "-P", *reversed(order)])
    ok(r.returncode == 0, "dpkg -P" + ("" if r.returncode == 0 else f": {r.stderr[-1500:]}"))
    for p in order:
        r = run(["dpkg-query", "-W", "-f=${Status}", p])
        ok(r.returncode != 0 or "not-installed" in r.stdout, f"purged: {p} unknown to dpkg")
        for f in EXPECTED[p]:
            ok(not os.path.lexists(f), f"purged: {f} gone")
    for d in ("/etc/egdd", "/etc/trng-httpd", "/etc/egd-feed"):
        ok(not os.path.exists(d), f"purged: {d} gone")
    leftovers = [n for n in os.listdir(wants) if n.startswith(("egd", "trng"))] \
        if os.path.isdir(wants) else []
    ok(not leftovers, f"purged: no wants symlinks left {leftovers}")
    dsh = "/var/lib/systemd/deb-systemd-helper-enabled"
    left = [n for n, _, fs in os.walk(dsh) for n in fs if n.startswith(("egd", "trng"))] \
        if os.path.isdir(dsh) else []
    ok(not left, f"purged: no deb-systemd-helper state left {left}")
    with open(result_path, "w") as f:
        json.dump(res, f)


def namespace_install(debs, work):
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("runuser"):
        print("note: not root or no unshare/runuser: install test skipped")
        return
    probe = run(["unshare", "-m", "sh", "-c",
                 "d=$(mktemp -d) && mount -t tmpfs t $d && mkdir $d/u $d/w && "
                 "mount -t overlay o -o lowerdir=/etc,upperdir=$d/u,workdir=$d/w /etc"])
    if probe.returncode != 0:
        print(f"note: no overlayfs in a mount namespace here ({probe.stderr.strip()}): "
              "install test skipped")
        return
    host_users = {u for u in ACCOUNTS if run(["getent", "passwd", u]).returncode == 0}
    host_groups = {g for g in GROUPS if run(["getent", "group", g]).returncode == 0}
    for mode in ("--inside", "--inside-stunnel-first"):
        result = os.path.join(work, mode.strip("-"), "ns-result.json")
        os.makedirs(os.path.dirname(result))
        r = run(["unshare", "-m", sys.executable, os.path.abspath(__file__), mode,
                 json.dumps(debs), result], timeout=300)
        if r.returncode != 0 or not os.path.exists(result):
            print(r.stdout, r.stderr)
            check(False, f"install test {mode} in the mount namespace ran")
            continue
        for good, what in json.load(open(result)):
            check(good, "[namespace] " + what)
    # The host is untouched.
    check(not os.path.exists("/etc/egdd") and not os.path.exists("/usr/sbin/egdd")
          and run(["dpkg-query", "-W", "egdd"]).returncode != 0, "host: no trace of egdd package")
    for u in ACCOUNTS:
        if u not in host_users:
            check(run(["getent", "passwd", u]).returncode != 0, f"host: no user {u}")
    for g in GROUPS:
        if g not in host_groups:
            check(run(["getent", "group", g]).returncode != 0, f"host: no group {g}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        inside(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "--inside-stunnel-first":
        inside_stunnel_first(sys.argv[2], sys.argv[3])
        return 0
    for tool in ("cpack", "dpkg-deb", "readelf"):
        if not shutil.which(tool):
            print(f"{tool} not installed")
            return 77
    with tempfile.TemporaryDirectory(prefix="egd-deb-") as work:
        debs = build_packages(os.path.join(work, "out"))
        for pkg, deb in sorted(debs.items()):
            inspect(pkg, deb, os.path.join(work, "control", pkg))
        root = os.path.join(work, "root")
        extracted_tree(debs, root)
        for pkg in debs:
            check_stripped(root, pkg)
            check_copyright(root, pkg)
        check_license()
        check_manpages(root)
        lintian(debs)
        namespace_install(debs, work)
    if failures:
        print(f"{len(failures)} failure(s):\n  " + "\n  ".join(failures))
        return 1
    print("all package checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
