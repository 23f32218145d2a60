#!/usr/bin/env python3
"""A fleet configured by the Puppet module alone: one entropy host, two clients and a
rogue client, each a network namespace made by this test (fleet.py), each set up by
`puppet apply` of egd::host or egd::client into its own sandbox (services through the
`base` provider and ./ctl, so the real daemons run: egdd, trng-httpd, stunnel4,
egd-feed).

  host   10.77.0.1   trng-sim on a pty -> egdd (serial) -> stunnel egd-server :7776
                     (allow-list c1, c2) and https-server :8443 -> trng-httpd
  c1     10.77.0.11  certificate "c1" (key and certificate given as paths)
  c2     10.77.0.12  certificate "c2" (given as content: PEM text, Sensitive key)
  rogue  10.77.0.13  certificate named "c1", but signed by another CA

Every client runs stunnel egd-client (127.0.0.1:7777 -> 10.77.0.1:7776) and egd-feed,
whose ioctl(RNDADDENTROPY) is recorded, not performed, by the LD_PRELOAD shim of tests/lib/rndshim.py
(fake mode: the kernel pool is not touched), so "fed" is visible per client.

Asserted: every first apply changes something without failures; egdd runs on the
serial source (egdctl status); c1 and c2 are fed across the virtual network (shim
records, and egdd's per-address statistics count at least those bytes for 10.77.0.11
and .12) and read EGD through their local stunnel; the bytes they got are distinct;
HTTPS from a client reaches trng-httpd; the rogue gets no byte, neither through its
Puppet-made stunnel (foreign CA) nor directly with a valid certificate whose name is
not on the allow-list, the host's stunnel logs both refusals for 10.77.0.13, and egdd
never sees that address; a second apply changes nothing on any node (exit 0) and
restarts nothing.
Exit 77 if network namespaces are not permitted, or puppet, the stdlib module,
stunnel4, a C compiler or a binary is missing.
"""
import json
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
sys.path.insert(0, os.path.join(TESTS, "060-stunnel-tls"))
import fleet  # noqa: E402
import stunneltest as st  # noqa: E402
from stunneltest import egdtest  # noqa: E402
import rndshim  # noqa: E402

BUILD = os.path.join(fleet.ROOT, "build")
BIN = {   # absolute: Puppet's start commands run them from wherever
    var: os.path.abspath(os.environ.get(var, BUILD + default)) for var, default in (
        ("EGDD", "/egdd/egdd"), ("EGDCTL", "/egdd/egdctl"), ("TRNG_SIM", "/firmware/trng-sim"),
        ("TRNG_HTTPD", "/httpd/trng-httpd"), ("EGD_FEED", "/feed/egd-feed"))
}
PROBE = [sys.executable, os.path.join(HERE, "probe.py")]
CLIENT_ADDR = {"c1": 11, "c2": 12, "rogue": 13}
FEEDS_WANTED = 3          # shim records per good client before the checks
failures = []
children = []             # processes this test started itself (trng-sim)


class Abort(Exception):
    """A failure the remaining checks cannot go on from."""


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what, flush=True)
    if not cond:
        failures.append(what.splitlines()[0])
    return cond


def require(cond, what):
    if not check(cond, what):
        raise Abort(what.splitlines()[0])


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
    probe = "egdfleet-probe%d" % os.getpid()
    if fleet.ip("netns", "add", probe, check=False).returncode != 0:
        skip("ip netns add is not permitted here")
    usable = fleet.ip("netns", "exec", probe, "true", check=False).returncode == 0
    fleet.ip("netns", "del", probe, check=False)
    if not usable:
        skip("ip netns exec fails here (it mounts /sys in a new mount namespace)")


# ---------------------------------------------------------------- setup

def make_pki(work):
    pki = st.Pki(os.path.join(work, "pki"))
    certs = {"host": pki.host("entropy1"), "c1": pki.client("c1"), "c2": pki.client("c2"),
             "intruder": pki.client("intruder")}
    # The rogue's certificate carries an allowed name but comes from a CA of its own;
    # it verifies the host with the real (public) CA certificate.
    certs["rogue"] = st.Pki(os.path.join(work, "foreign")).client("c1")
    return pki.ca, certs


def start_sim(work, netns):
    """trng-sim in the host's namespace; returns (process, pty link)."""
    link = os.path.join(work, "ttyTRNG")
    log = open(os.path.join(work, "trng-sim.log"), "wb")
    proc = subprocess.Popen(["ip", "netns", "exec", netns, BIN["TRNG_SIM"], "--link", link,
                             "--control", os.path.join(work, "sim.ctl"), "--rate-bps", "7000"],
                            stdout=subprocess.PIPE, stderr=log)
    proc.stdout.readline()   # the pty path: the device exists
    require(os.path.exists(link), "trng-sim made its pty " + link)
    return proc, link


def host_node(work, net, ca, certs, link):
    sb = os.path.join(work, "host", "sb")
    node = fleet.Node(work, "host", net.ns("host"), {
        "egdd": [BIN["EGDD"], "--config", sb + "/etc/egdd/egdd.toml"],
        "trng-httpd": [BIN["TRNG_HTTPD"], "--config", sb + "/etc/trng-httpd/trng-httpd.toml"],
        "stunnel-egd@egd-server": [st.STUNNEL, sb + "/etc/stunnel/egd-server.conf"],
        "stunnel-egd@https-server": [st.STUNNEL, sb + "/etc/stunnel/https-server.conf"],
    })
    crt, key = certs["host"]
    node.write_manifest("""class { 'egd::host':
  config_dir       => '%(sb)s/etc/egdd',
  run_dir          => '%(sb)s/run/egdd',
  httpd_config_dir => '%(sb)s/etc/trng-httpd',
  httpd_run_dir    => '%(sb)s/run/trng-httpd',
  source_kind      => 'serial',
  serial_port      => '%(link)s',
  baud_rate        => 9600,
  cert             => file('%(crt)s'),
  key              => Sensitive(file('%(key)s')),
  ca               => '%(ca)s',
  allowed_clients  => ['c1', 'c2'],
}
""" % dict(sb=sb, link=link, crt=crt, key=key, ca=ca))
    return node


def client_node(work, net, role, ca, cert_pair, shim_so, as_content=False):
    sb = os.path.join(work, role, "sb")
    shim_log = os.path.join(work, role, "state", "shim.log")
    node = fleet.Node(work, role, net.ns(role), {
        "stunnel-egd@egd-client": [st.STUNNEL, sb + "/etc/stunnel/egd-client.conf"],
        "egd-feed": ["env", "LD_PRELOAD=" + shim_so, "EGD_SHIM_LOG=" + shim_log, "EGD_SHIM_IOCTL=fake",
                     BIN["EGD_FEED"], "--config", sb + "/etc/egd-feed/egd-feed.toml"],
    })
    node.shim_log = shim_log
    crt, key = cert_pair
    tls = ("  cert => file('%s'),\n  key  => Sensitive(file('%s')),\n" % (crt, key) if as_content
           else "  cert => '%s',\n  key  => '%s',\n" % (crt, key))
    node.write_manifest("""class { 'egd::client':
  hosts            => ['%(host)s:7776'],
  host_names       => ['entropy1'],
%(tls)s  ca               => '%(ca)s',
  feed_config_dir  => '%(sb)s/etc/egd-feed',
  feed_interval_ms => 1000,
  feed_options     => { 'reconnect' => { 'initial_delay_ms' => 200, 'max_delay_ms' => 1000 } },
}
""" % dict(host=fleet.HOST_ADDR, tls=tls, ca=ca, sb=sb))
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


def egdctl(host, *args):
    r = subprocess.run([BIN["EGDCTL"], "--socket", host.path("run/egdd/control.sock")] + list(args),
                       capture_output=True, text=True, timeout=10)
    return json.loads(r.stdout) if r.returncode == 0 else None


def wait_until(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    return pred()


def probe(node, *args):
    r = node.run(PROBE + [str(a) for a in args])
    if r.returncode != 0:
        raise Abort("probe %s in %s failed: %s" % (args, node.role, r.stderr))
    return json.loads(r.stdout)


def running_status(host):
    status = egdctl(host, "status")
    return status if status and status["state"] == "running" else None


def check_host(host):
    status = wait_until(lambda: running_status(host), 40)
    require(status is not None, "host: egdd started by Puppet runs"
            + ("" if status else " (egdctl status: %s)\n%s" % (egdctl(host, "status"),
                                                               host.log("egdd")[-2000:])))
    check(status["source_kind"] == "serial" and status["source_is_trng"] and
          status["bytes_received"] > 0,
          "host: egdd state running on the serial source (trng-sim), %d bytes received"
          % status["bytes_received"])


def records(node):
    return rndshim.read_records(node.shim_log)


def check_fed(clients):
    for c in clients:
        got = wait_until(lambda: len(records(c)) >= FEEDS_WANTED, 45)
        recs = records(c)
        check(got and all(r.size > 0 and r.rc == 0 for r in recs),
              "%s: egd-feed fed the (shimmed) kernel %d times, %d bytes"
              % (c.role, len(recs), sum(r.size for r in recs))
              + ("" if got else "\n" + c.log("egd-feed")[-2000:] + c.log("stunnel-egd@egd-client")[-2000:]))


def check_local_reads(clients):
    """An EGD read through each client's stunnel; returns {role: bytes}."""
    got = {}
    for c in clients:
        out = probe(c, "egd", "127.0.0.1", 7777, 32)
        got[c.role] = bytes.fromhex(out["data"])
        check(len(got[c.role]) == 32, "%s: EGD 02 32 through its stunnel on 127.0.0.1:7777: %d bytes"
              % (c.role, len(got[c.role])) + ("" if len(got[c.role]) == 32 else " (%s)" % out))
    return got


def connections_from(log, addr):
    """stunnel connection numbers ("LOG6[N]: ... accepted connection from ADDR:port")."""
    return set(re.findall(r"LOG\d\[(\d+)\]: Service \[[^]]+\] accepted connection from %s:"
                          % re.escape(addr), log))


def refused_in_log(host, addr, reasons):
    """True if one connection from addr was refused with every one of reasons."""
    log = host.log("stunnel-egd@egd-server")
    for n in connections_from(log, addr):
        lines = [l for l in log.splitlines() if "[%s]:" % n in l]
        if all(any(r in l for l in lines) for r in reasons):
            return True
    return False


def check_rogue(host, rogue, ca, certs):
    addr = "%s.%d" % (fleet.SUBNET, CLIENT_ADDR["rogue"])
    chain = ["unable to get local issuer certificate", "Rejected by CERT at depth=0: CN=c1"]
    seen = wait_until(lambda: refused_in_log(host, addr, chain), 30)
    check(seen, "host: stunnel refused %s (certificate 'c1' from a foreign CA): %s" % (addr, chain[-1]))
    out = probe(rogue, "egd", "127.0.0.1", 7777, 32)
    check(out["data"] == "" and out["closed"],
          "rogue: EGD 02 32 through its Puppet-made stunnel: no bytes, connection closed (%s)" % out)
    check(records(rogue) == [], "rogue: egd-feed fed nothing (%d shim records); its log says: %s"
          % (len(records(rogue)), (rogue.log("egd-feed").strip().splitlines() or ["-"])[-1]))
    crt, key = certs["intruder"]
    out = probe(rogue, "tls", fleet.HOST_ADDR, 7776, "entropy1", ca, crt, key, 32)
    check(out["data"] == "" and out["closed"],
          "rogue: direct TLS with a valid certificate 'intruder' (not on the allow-list): no bytes (%s)"
          % out.get("error"))
    names = ["Subject checks failed", "Rejected by CERT at depth=0: CN=intruder"]
    check(wait_until(lambda: refused_in_log(host, addr, names), 10),
          "host: stunnel refused %s (valid certificate 'intruder'): %s" % (addr, names[0]))


def check_served(host, clients, local):
    """egdd's per-address accounting covers what each client got; the rogue never
    reached egdd; no byte went to two clients."""
    fed_records = {c.role: records(c) for c in clients}   # before the stats: all served by then
    stats = egdctl(host, "stats") or {}
    by_addr = {c["address"]: c for c in stats.get("clients_by_address", [])}
    streams = {}
    for c in clients:
        addr = "%s.%d" % (fleet.SUBNET, CLIENT_ADDR[c.role])
        recs = fed_records[c.role]
        fed = sum(r.size for r in recs)
        served = by_addr.get(addr, {}).get("bytes_served", 0)
        check(served >= fed + len(local[c.role]) > 0,
              "host: egdd served %s %d bytes >= the %d fed + %d read there (PROXY address from stunnel)"
              % (addr, served, fed, len(local[c.role])))
        streams[c.role] = [r.data for r in recs] + [local[c.role]]
    rogue = "%s.%d" % (fleet.SUBNET, CLIENT_ADDR["rogue"])
    check(rogue not in by_addr, "host: egdd never saw the rogue's address (addresses: %s)" % sorted(by_addr))
    a, b = (b"|".join(streams[c.role]) for c in clients)
    shared = [x for x in streams[clients[0].role] if x in b] + [x for x in streams[clients[1].role] if x in a]
    check(not shared, "c1 and c2 got distinct bytes (%d and %d chunks, %d shared)"
          % (len(streams[clients[0].role]), len(streams[clients[1].role]), len(shared)))


def check_https(client, ca):
    out = probe(client, "https", fleet.HOST_ADDR, 8443, "entropy1", ca, "/healthz")
    check(out.get("status_line", "").startswith("HTTP/1.1 200"),
          "%s: HTTPS https://%s:8443/healthz -> trng-httpd: %s" % (client.role, fleet.HOST_ADDR,
                                                                  out.get("status_line") or out))


def service_pids(nodes):
    return {(n.role, s): n.pid(s) for n in nodes for s in n.services}


# ---------------------------------------------------------------- main

def run(work, net):
    shim_so = rndshim.build_shim()
    ca, certs = make_pki(work)
    os.makedirs(os.path.join(work, "modules"))
    os.symlink(fleet.MODULE, os.path.join(work, "modules", "egd"))
    net.make_host()
    for role, octet in CLIENT_ADDR.items():
        net.attach(role, octet)
    sim, link = start_sim(work, net.ns("host"))
    children.append(sim)
    host = host_node(work, net, ca, certs, link)
    clients = [client_node(work, net, "c1", ca, certs["c1"], shim_so),
               client_node(work, net, "c2", ca, certs["c2"], shim_so, as_content=True)]
    rogue = client_node(work, net, "rogue", ca, certs["rogue"], shim_so)
    nodes = [host] + clients + [rogue]

    require(apply_everywhere(nodes, 2, "first apply"), "every first apply succeeded")
    check_host(host)
    check_fed(clients)
    local = check_local_reads(clients)
    check_https(clients[1], ca)
    check_rogue(host, rogue, ca, certs)
    check_served(host, clients, local)

    pids = service_pids(nodes)
    fed_before = {c.role: len(records(c)) for c in clients}
    apply_everywhere(nodes, 0, "second apply")
    check(service_pids(nodes) == pids and all(pids.values()),
          "second apply restarted nothing (%d daemons, same pids)" % len(pids))
    for c in clients:
        check(wait_until(lambda: len(records(c)) > fed_before[c.role], 10),
              "%s: still fed after the second apply (%d -> %d feeds)"
              % (c.role, fed_before[c.role], len(records(c))))


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
