#!/usr/bin/env python3
"""A fleet configured by the Puppet module: two entropy hosts (the second one
malicious), two clients and a rogue client, each a network namespace made by this
test (fleet.py), each set up by `puppet apply` of egd::host or egd::client into its
own sandbox (services through the `base` provider and ./ctl, so the real daemons run:
egdd, trng-httpd, stunnel4, egd-feed), and 18 more clients set up from the files
Puppet rendered for c1 (mixing.py). Every client mixes both hosts (mix => 2: one
stunnel endpoint per host, egd-feed combining them through BLAKE2b).

  host   10.77.0.1   trng-sim on a pty -> egdd (serial); stunnel egd-server :7776
                     (allow-list c1, c2; CRL) -> egdd's proxy:unix socket;
                     https-server :8443 (own certificate) -> trng-httpd's public socket;
                     https-operator :8444 (mutual TLS, operator alice; CRL) ->
                     trng-httpd's operator socket; trng-httpd -> egdd's unix socket
  c1     10.77.0.11  certificate "c1" (key and certificate given as paths); egd-feed
                     credits 1 bit per byte (ioctl; the module's CAP_SYS_ADMIN drop-in)
  c2     10.77.0.12  certificate "c2" (given as content: PEM text, Sensitive key);
                     egd-feed mixes without credit (write(2), no drop-in)
  rogue  10.77.0.13  certificate named "c1", but signed by another CA

  host2  10.77.0.2   egdd on a `file` source of bytes the test knows, raw; stunnel
                     egd-server :7776 (same allow-list and CRL); see mixing.py
  f03..f20 10.77.0.23..40  c1's rendered files, own certificate (mixing.py)

Every client runs stunnel egd-client (a unix socket in its run directory -> 10.77.0.1:7776
with failover to 10.77.0.2:7776, and one socket per host, egd-host1.sock and
egd-host2.sock) and egd-feed on the per-host sockets (mix = 2), whose feeds (ioctl RNDADDENTROPY or write(2) to
/dev/random) are recorded, not performed, by the LD_PRELOAD shim of tests/lib/rndshim.py
(fake mode: the kernel pool is not touched), so "fed" is visible per client.

Asserted: every first apply changes something without failures; egdd runs on the
serial source (egdctl status); c1 and c2 are fed across the virtual network (c1
crediting through the ioctl with its drop-in in place, c2 by write(2) without one;
egdd's per-address statistics count at least those bytes for 10.77.0.11 and .12) and
read EGD through their local stunnel socket; the bytes they got are distinct; public
HTTPS from a client serves /healthz and getRandom but answers 403 to shutdown with
egdd still running; operator alice's certificate (egd-pki operator) shuts the device
down and initialises it again on :8444, where c1's valid client certificate and a
client without one are refused; the rogue gets no byte, neither through its
Puppet-made stunnel (foreign CA) nor directly with a valid certificate whose name is
not on the allow-list, the host's stunnel logs both refusals for 10.77.0.13, and egdd
never sees that address; the mixing checks of mixing.py (all 20 clients fed with
credit, host2's chosen bytes never in a fed buffer, host1's TLS endpoint stopped and
started: short of hosts with credit 0 and logged, then full mixes again, each within
30 s); a second apply changes nothing on any node (exit 0) and
restarts nothing. Then `egd-pki revoke` of c2 and an apply on both hosts distribute the
new CRL: stunnel is reloaded (same pid, SIGHUP), c2's new TLS connections are refused
("certificate revoked"), directly and through its own stunnel, while c1 keeps being
fed, its connection opened before the reload still serves it, and it connects anew.
Exit 77 if network namespaces are not permitted, or puppet, the stdlib module,
stunnel4, a C compiler or a binary is missing.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import fleet  # noqa: E402
import mixing  # noqa: E402
import stunneltest as st  # noqa: E402
import rndshim  # noqa: E402
import trust  # noqa: E402
from fleetcheck import (BIN, CLIENT_ADDR, Abort, address, check, egdctl, failures, probe,  # noqa: E402
                        records, refused_in_log, require, wait_until)

FEEDS_WANTED = 3          # shim records per good client before the checks
CREDIT = {"c1": 1.0, "c2": 0.0, "rogue": 0.0}   # feed_credit_bits_per_byte
ALLOWED = ", ".join("'%s'" % n for n in ["c1", "c2"] + mixing.EXTRA)   # both hosts' allow-list
children = []             # processes this test started itself (trng-sim)


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def preflight():
    for tool in ("puppet", "ip", "cc"):
        if not shutil.which(tool):
            skip(tool + " not installed")
    if not st.STUNNEL:
        skip("stunnel4 not installed (apt-get install -y stunnel4)")
    if not os.path.isdir(os.path.join(fleet.STDLIB, "stdlib")):
        skip("stdlib module missing (apt-get install -y puppet-module-puppetlabs-stdlib)")
    for var, path in BIN.items():
        if not os.access(path, os.X_OK):
            skip("%s not built (%s; set %s)" % (os.path.basename(path), path, var))
    probe_ns = "egdfleet-probe%d" % os.getpid()
    if fleet.ip("netns", "add", probe_ns, check=False).returncode != 0:
        skip("ip netns add is not permitted here")
    usable = fleet.ip("netns", "exec", probe_ns, "true", check=False).returncode == 0
    fleet.ip("netns", "del", probe_ns, check=False)
    if not usable:
        skip("ip netns exec fails here (it mounts /sys in a new mount namespace)")


# ---------------------------------------------------------------- setup

def make_pki(work):
    """The fleet's CA (egd-pki), with a certificate per role; returns (pki, certs)."""
    pki = st.Pki(os.path.join(work, "pki"))
    certs = {"host": pki.host("entropy1"), "host2": pki.host("entropy2"), "c1": pki.client("c1"), "intruder": pki.client("intruder"),
             # HTTPS and the operator service have keys of their own, for the same name.
             "https": pki.host("https-entropy1", san="DNS:entropy1"),
             "operator-service": pki.host("operator-entropy1", san="DNS:entropy1")}
    st.pki("operator", pki.path, "alice")
    certs["alice"] = pki.leaf("operators", "alice")
    # c2's files are moved aside by `egd-pki revoke`: node and probes use a copy.
    saved = []
    for src in pki.client("c2"):
        saved.append(os.path.join(work, "c2-" + os.path.basename(src)))
        shutil.copy(src, saved[-1])
    certs["c2"] = tuple(saved)
    # The rogue's certificate carries an allowed name but comes from a CA of its own;
    # it verifies the host with the real (public) CA certificate.
    certs["rogue"] = st.Pki(os.path.join(work, "foreign")).client("c1")
    return pki, certs


def start_sim(work, netns):
    """trng-sim in the host's namespace; returns (process, pty link)."""
    link = os.path.join(work, "ttyTRNG")
    log = open(os.path.join(work, "trng-sim.log"), "wb")
    proc = subprocess.Popen(["ip", "netns", "exec", netns, BIN["TRNG_SIM"], "--link", link,
                             "--control", os.path.join(work, "sim.ctl"), "--rate-bps", "40000"],
                            stdout=subprocess.PIPE, stderr=log)
    proc.stdout.readline()   # the pty path: the device exists
    require(os.path.exists(link), "trng-sim made its pty " + link)
    return proc, link


def host_node(work, net, pki, certs, link):
    sb = os.path.join(work, "host", "sb")
    node = fleet.Node(work, "host", net.ns("host"), {
        "egdd": [BIN["EGDD"], "--config", sb + "/etc/egdd/egdd.toml"],
        "trng-httpd": [BIN["TRNG_HTTPD"], "--config", sb + "/etc/trng-httpd/trng-httpd.toml"],
        "stunnel-egd@egd-server": [st.STUNNEL, sb + "/etc/stunnel/egd-server.conf"],
        "stunnel-egd@https-server": [st.STUNNEL, sb + "/etc/stunnel/https-server.conf"],
        "stunnel-egd@https-operator": [st.STUNNEL, sb + "/etc/stunnel/https-operator.conf"],
    })
    (crt, key), (https_crt, https_key) = certs["host"], certs["https"]
    op_crt, op_key = certs["operator-service"]
    node.write_manifest("""class { 'egd::host':
  config_dir          => '%(sb)s/etc/egdd',
  run_dir             => '%(sb)s/run/egdd',
  httpd_config_dir    => '%(sb)s/etc/trng-httpd',
  httpd_run_dir       => '%(sb)s/run/trng-httpd',
  source_kind         => 'serial',
  serial_port         => '%(link)s',
  baud_rate           => 9600,
  state_dir           => '%(sb)s/var/lib/egdd',
  egdd_options        => { 'assessment' => { 'samples' => 10000 } },
  cert                => file('%(crt)s'),
  key                 => Sensitive(file('%(key)s')),
  ca                  => '%(ca)s',
  crl                 => file('%(crl)s'),
  allowed_clients     => [%(allowed)s],
  https_cert          => file('%(https_crt)s'),
  https_key           => Sensitive(file('%(https_key)s')),
  operators           => ['alice'],
  operator_cert       => '%(op_crt)s',
  operator_key        => '%(op_key)s',
  httpd_allowed_hosts => ['entropy1'],
}
""" % dict(sb=sb, link=link, crt=crt, key=key, ca=pki.ca, crl=os.path.join(pki.path, "crl.pem"),
           https_crt=https_crt, https_key=https_key, op_crt=op_crt, op_key=op_key,
           allowed=ALLOWED))
    return node


def client_node(work, net, role, pki, cert_pair, shim_so, as_content=False):
    sb = os.path.join(work, role, "sb")
    shim_log = os.path.join(work, role, "state", "shim.log")
    node = fleet.Node(work, role, net.ns(role), {
        "stunnel-egd@egd-client": [st.STUNNEL, sb + "/etc/stunnel/egd-client.conf"],
        "egd-feed": ["env", "LD_PRELOAD=" + shim_so, "EGD_SHIM_LOG=" + shim_log, "EGD_SHIM_IOCTL=fake",
                     BIN["EGD_FEED"], "--config", sb + "/etc/egd-feed/egd-feed.toml"],
    })
    node.shim_log = shim_log
    node.socket = sb + "/run/stunnel-egd-client/egd.sock"
    node.dropin = sb + "/etc/egd-feed.service.d/credit.conf"
    crt, key = cert_pair
    tls = ("  cert => file('%s'),\n  key  => Sensitive(file('%s')),\n" % (crt, key) if as_content
           else "  cert => '%s',\n  key  => '%s',\n" % (crt, key))
    node.write_manifest("""class { 'egd::client':
  hosts                     => ['%(host)s:7776', '%(host2)s:7776'],
  host_names                => ['entropy1', 'entropy2'],
  mix                       => 2,
%(tls)s  ca                        => '%(ca)s',
  crl                       => file('%(crl)s'),
  run_dir                   => '%(sb)s/run/stunnel-egd-client',
  feed_config_dir           => '%(sb)s/etc/egd-feed',
  feed_dropin_dir           => '%(sb)s/etc/egd-feed.service.d',
  feed_credit_bits_per_byte => %(credit)s,
  feed_interval_ms          => 1000,
  feed_options              => { 'reconnect' => { 'initial_delay_ms' => 200, 'max_delay_ms' => 1000 } },
}
""" % dict(host=fleet.HOST_ADDR, host2=mixing.HOST2_ADDR, tls=tls, ca=pki.ca, crl=os.path.join(pki.path, "crl.pem"), sb=sb,
           credit=CREDIT[role]))
    return node


# ---------------------------------------------------------------- checks

def apply_everywhere(nodes, want, what):
    t0 = time.time()
    codes = fleet.apply_all(nodes)
    for n in nodes:
        check(codes[n.role] == want, "%s: %s: puppet apply --detailed-exitcodes exit %d, want %d"
              % (what, n.role, codes[n.role], want)
              + ("" if codes[n.role] == want else "\n" + n.apply_output()[-4000:]))
    times = [re.findall(r"in ([0-9.]+) seconds", n.apply_output()) for n in nodes]
    print("      (%s: %d applies in parallel, %.1f s; compile/apply per node: %s)"
          % (what, len(nodes), time.time() - t0, " ".join("/".join(t) for t in times)))
    return all(c == want for c in codes.values())


def running_status(host):
    status = egdctl(host, "status")
    return status if status and status["state"] == "running" else None


def check_host(host):
    check(wait_until(lambda: host.pid("trng-httpd") and
                     host.run([fleet.CTL, host.state, "status", "trng-httpd"]).returncode == 0, 5),
          "host: trng-httpd started by Puppet runs" + ("" if host.run(
              [fleet.CTL, host.state, "status", "trng-httpd"]).returncode == 0
              else ":\n" + host.log("trng-httpd")[-1500:]))
    status = wait_until(lambda: running_status(host), 40)
    require(status is not None, "host: egdd started by Puppet runs"
            + ("" if status else " (egdctl status: %s)\n%s" % (egdctl(host, "status"),
                                                               host.log("egdd")[-2000:])))
    check(status["source_kind"] == "serial" and status["source_is_trng"] and
          status["bytes_received"] > 0,
          "host: egdd state running on the serial source (trng-sim), %d bytes received"
          % status["bytes_received"])


def check_fed(clients):
    """Fed; c1 credits through the ioctl (with its CAP_SYS_ADMIN drop-in), c2 mixes by
    write(2) (no drop-in)."""
    for c in clients:
        # Credited feeds too, where configured: the first may be short of hosts (one
        # host up before the other), and those credit nothing.
        got = wait_until(lambda: len(records(c)) >= FEEDS_WANTED and
                         (CREDIT[c.role] == 0 or any(r.entropy > 0 for r in records(c))), 45)
        recs = records(c)
        check(got and all(r.size > 0 and r.rc == 0 for r in recs),
              "%s: egd-feed fed the (shimmed) kernel %d times, %d bytes"
              % (c.role, len(recs), sum(r.size for r in recs))
              + ("" if got else "\n" + c.log("egd-feed")[-2000:] + c.log("stunnel-egd@egd-client")[-2000:]))
        credit = CREDIT[c.role] > 0
        # A feed short of hosts (one host up before the other) is a write without
        # credit; the full mixes credit by the ioctl when configured to.
        calls = sorted({(r.call, r.entropy > 0) for r in recs} - ({("write", False)} if credit else set()))
        dropin = os.path.exists(c.dropin) and "AmbientCapabilities=CAP_SYS_ADMIN" in open(c.dropin).read()
        check(calls == [("ioctl" if credit else "write", credit)] and dropin == credit,
              "%s: credit %s: feeds by %s, CAP_SYS_ADMIN drop-in %s"
              % (c.role, CREDIT[c.role], calls, "written" if dropin else "absent"))


def check_local_reads(clients):
    """An EGD read through each client's stunnel socket; returns {role: bytes}."""
    got = {}
    for c in clients:
        out = probe(c, "egd", c.socket, 32)
        got[c.role] = bytes.fromhex(out["data"])
        check(len(got[c.role]) == 32, "%s: EGD 02 32 through its stunnel on %s: %d bytes"
              % (c.role, os.path.relpath(c.socket, c.sb), len(got[c.role]))
              + ("" if len(got[c.role]) == 32 else " (%s)" % out))
    return got


def check_rogue(host, rogue, pki, certs):
    addr = address("rogue")
    chain = ["unable to get local issuer certificate", "Rejected by CERT at depth=0: CN=c1"]
    log = lambda: host.log("stunnel-egd@egd-server")  # noqa: E731
    seen = wait_until(lambda: refused_in_log(log(), addr, chain), 30)
    check(seen, "host: stunnel refused %s (certificate 'c1' from a foreign CA): %s" % (addr, chain[-1]))
    out = probe(rogue, "egd", rogue.socket, 32)
    check(out["data"] == "" and out["closed"],
          "rogue: EGD 02 32 through its Puppet-made stunnel: no bytes, connection closed (%s)" % out)
    check(records(rogue) == [], "rogue: egd-feed fed nothing (%d shim records); its log says: %s"
          % (len(records(rogue)), (rogue.log("egd-feed").strip().splitlines() or ["-"])[-1]))
    crt, key = certs["intruder"]
    out = probe(rogue, "tls", fleet.HOST_ADDR, 7776, "entropy1", pki.ca, crt, key, 32)
    check(out["data"] == "" and out["closed"],
          "rogue: direct TLS with a valid certificate 'intruder' (not on the allow-list): no bytes (%s)"
          % out.get("error"))
    names = ["Subject checks failed", "Rejected by CERT at depth=0: CN=intruder"]
    check(wait_until(lambda: refused_in_log(log(), addr, names), 10),
          "host: stunnel refused %s (valid certificate 'intruder'): %s" % (addr, names[0]))


def check_served(host, clients, local):
    """egdd's per-address accounting covers what each client got; the rogue never
    reached egdd; no byte went to two clients."""
    fed_records = {c.role: records(c) for c in clients}   # before the stats: all served by then
    stats = egdctl(host, "stats") or {}
    by_addr = {c["address"]: c for c in stats.get("clients_by_address", [])}
    streams = {}
    for c in clients:
        addr = address(c.role)
        recs = fed_records[c.role]
        # Credited feeds were full mixes: host1 gave each its size (a short one may not have).
        fed = sum(r.size for r in recs if r.entropy > 0)
        served = by_addr.get(addr, {}).get("bytes_served", 0)
        check(served >= fed + len(local[c.role]) > 0,
              "host: egdd served %s %d bytes >= the %d fed with credit + %d read there (PROXY address "
              "from stunnel)" % (addr, served, fed, len(local[c.role])))
        streams[c.role] = [r.data for r in recs] + [local[c.role]]
    rogue = address("rogue")
    check(rogue not in by_addr, "host: egdd never saw the rogue's address (addresses: %s)" % sorted(by_addr))
    a, b = (b"|".join(streams[c.role]) for c in clients)
    shared = [x for x in streams[clients[0].role] if x in b] + [x for x in streams[clients[1].role] if x in a]
    check(not shared, "c1 and c2 got distinct bytes (%d and %d chunks, %d shared)"
          % (len(streams[clients[0].role]), len(streams[clients[1].role]), len(shared)))


def service_pids(nodes):
    return {(n.role, s): n.pid(s) for n in nodes for s in n.services}


# ---------------------------------------------------------------- main

def run(work, net):
    shim_so = rndshim.build_shim()
    pki, certs = make_pki(work)
    os.makedirs(os.path.join(work, "modules"))
    os.symlink(fleet.MODULE, os.path.join(work, "modules", "egd"))
    net.make_host()
    net.attach("host2", mixing.HOST2_OCTET)
    for role in ("c1", "c2", "rogue"):
        net.attach(role, CLIENT_ADDR[role])
    sim, link = start_sim(work, net.ns("host"))
    children.append(sim)
    host = host_node(work, net, pki, certs, link)
    host2 = mixing.host2_node(work, net, pki, certs, ["c1", "c2"] + mixing.EXTRA)
    clients = [client_node(work, net, "c1", pki, certs["c1"], shim_so),
               client_node(work, net, "c2", pki, certs["c2"], shim_so, as_content=True)]
    rogue = client_node(work, net, "rogue", pki, certs["rogue"], shim_so)
    nodes = [host, host2] + clients + [rogue]

    require(apply_everywhere(nodes, 2, "first apply"), "every first apply succeeded")
    t0 = time.time()
    extras = mixing.extra_clients(work, net, pki, clients[0], shim_so)
    print("      (%d more clients from c1's rendered files, started in %.1f s)" % (len(extras), time.time() - t0))
    fed_all = clients + extras
    crediting = {c.role for c in fed_all if c.role != "c2"}
    check_host(host)
    check_fed(clients)
    mixing.check_mixing_fed(fed_all, crediting)
    local = check_local_reads(clients)
    trust.check_public_https(host, clients[1], pki)
    trust.check_operator(host, clients[0], pki, certs)
    check_rogue(host, rogue, pki, certs)
    check_served(host, clients, local)
    mixing.check_malicious(host2, fed_all)
    mixing.check_outage(host, fed_all, crediting)

    pids = service_pids(nodes)
    fed_before = {c.role: len(records(c)) for c in clients}
    apply_everywhere(nodes, 0, "second apply")
    check(service_pids(nodes) == pids and all(pids.values()),
          "second apply restarted nothing (%d daemons, same pids)" % len(pids))
    for c in clients:
        check(wait_until(lambda: len(records(c)) > fed_before[c.role], 10),
              "%s: still fed after the second apply (%d -> %d feeds)"
              % (c.role, fed_before[c.role], len(records(c))))

    trust.check_revocation(host, clients, pki, certs,
                           lambda: apply_everywhere([host, host2], 2, "apply with the new CRL"))


def main():
    started = time.time()
    preflight()
    # ctest's timeout sends SIGTERM: still remove the namespaces and their daemons.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("SIGTERM"))
    work = tempfile.mkdtemp(prefix="egd-fleet-")
    net = fleet.Network("egdfleet%d" % os.getpid())
    try:
        run(work, net)
    except (Abort, st.Failure) as e:
        print("aborted: " + str(e))
        if str(e).splitlines()[0] not in failures:
            failures.append(str(e).splitlines()[0])
    finally:
        net.destroy()
        for p in children:
            p.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAIL: %d check(s) failed: %s" % (len(failures), "; ".join(failures)))
        sys.exit(1)
    print("PASS (%.1fs)" % (time.time() - started))


if __name__ == "__main__":
    main()
