"""The fleet test's second host and its mixing clients (issue 16, part 2).

  host2   10.77.0.2   egd::host with a `file` source: a capture whose content the
                      attacker knows (KNOWN, a fixed seed), served raw, under a valid
                      certificate "entropy2" of the fleet's CA: a malicious host
  fNN     10.77.0.NN  18 more clients (f03 .. f20) beside c1 and c2, set up from the
                      files Puppet rendered for c1 (the same templates): stunnel's
                      egd-client.conf and egd-feed.toml, with their own sandbox paths
                      and certificate and a reseed every 10 s rather than 1 s (host1's
                      simulated TRNG feeds 20 clients); started like Puppet starts
                      c1's (./ctl)

Every client's egd-feed reads both hosts through one local stunnel endpoint per host
and mixes them (mix = 2). The checks: every client is fed with credit (full mix);
no fed buffer holds 31 or more consecutive bytes of KNOWN (any such run contains one
of KNOWN's 16-byte blocks at a multiple of 16, which is what is looked for), while a
read through a client's endpoint for host2 does (the detector works, and host2 does
serve its chosen bytes); with host1's TLS endpoint stopped every client goes on being
fed within 30 s, from host2 alone, without credit, and says "short of hosts"; with it
started again every client mixes both and credits again ("full mix again").
"""
import os
import random
import shutil
import time

import fleet
from fleetcheck import BIN, CLIENT_ADDR, check, egdctl, probe, records, require, wait_until
import stunneltest as st

HOST2_OCTET = 2
HOST2_ADDR = "%s.%d" % (fleet.SUBNET, HOST2_OCTET)
EXTRA = ["f%02d" % i for i in range(3, 21)]       # with c1 and c2: 20 clients
for _i, _name in enumerate(EXTRA):
    CLIENT_ADDR[_name] = 23 + _i
KNOWN = random.Random(20261206).randbytes(1 << 20)  # the attacker's bytes (1 MiB)
KNOWN_BLOCKS = {KNOWN[i:i + 16] for i in range(0, len(KNOWN) - 15, 16)}
C1_INTERVAL_MS = 1000     # c1's feed_interval_ms (test.py)
EXTRA_INTERVAL_MS = 10000
OUTAGE_WAIT = 30     # seconds a client may take to notice a host's loss or return


def known_run(data):
    """True if data holds a 16-byte block of KNOWN taken at a multiple of 16 (so any
    run of 31 or more bytes of KNOWN)."""
    return any(data[o:o + 16] in KNOWN_BLOCKS for o in range(0, len(data) - 15))


def host2_node(work, net, pki, certs, allowed):
    """The malicious host, configured by egd::host: a file source of KNOWN, raw."""
    sb = os.path.join(work, "host2", "sb")
    node = fleet.Node(work, "host2", net.ns("host2"), {
        "egdd": [BIN["EGDD"], "--config", sb + "/etc/egdd/egdd.toml"],
        "stunnel-egd@egd-server": [st.STUNNEL, sb + "/etc/stunnel/egd-server.conf"],
    })
    capture = os.path.join(node.dir, "known.bin")
    with open(capture, "wb") as f:
        f.write(KNOWN)
    crt, key = certs["host2"]
    node.write_manifest("""class { 'egd::host':
  config_dir        => '%(sb)s/etc/egdd',
  run_dir           => '%(sb)s/run/egdd',
  source_kind       => 'file',
  source_path       => '%(capture)s',
  entropy_certified => true,
  output_mode       => 'raw',
  state_dir         => '%(sb)s/var/lib/egdd',
  egdd_options      => { 'source' => { 'replay' => true } },
  cert              => file('%(crt)s'),
  key               => Sensitive(file('%(key)s')),
  ca                => '%(ca)s',
  crl               => file('%(crl)s'),
  allowed_clients   => [%(allowed)s],
  manage_httpd      => false,
  manage_https      => false,
  manage_operator   => false,
}
""" % dict(sb=sb, capture=capture, crt=crt, key=key, ca=pki.ca, crl=os.path.join(pki.path, "crl.pem"),
           allowed=", ".join("'%s'" % a for a in allowed)))
    return node


def extra_clients(work, net, pki, template, shim_so):
    """EXTRA clients from the files Puppet rendered for `template` (c1); started."""
    t_crt, t_key = pki.leaf("clients", template.role)
    conf = open(template.path("etc/stunnel/egd-client.conf")).read()
    toml = open(template.path("etc/egd-feed/egd-feed.toml")).read()
    nodes = []
    for role in EXTRA:
        net.attach(role, CLIENT_ADDR[role])
        crt, key = pki.client(role)
        sb = os.path.join(work, role, "sb")
        node = fleet.Node(work, role, net.ns(role), {})
        node.services = {
            "stunnel-egd@egd-client": [st.STUNNEL, sb + "/etc/stunnel/egd-client.conf"],
            "egd-feed": ["env", "LD_PRELOAD=" + shim_so, "EGD_SHIM_LOG=" + node.state + "/shim.log",
                         "EGD_SHIM_IOCTL=fake", BIN["EGD_FEED"], "--config", sb + "/etc/egd-feed/egd-feed.toml"],
        }
        node.shim_log = node.state + "/shim.log"
        node.socket = sb + "/run/stunnel-egd-client/egd.sock"
        for rel, text in (("etc/stunnel/egd-client.conf", conf), ("etc/egd-feed/egd-feed.toml", toml)):
            text = text.replace(template.sb, sb).replace(t_crt, crt).replace(t_key, key)
            # A reseed every EXTRA_INTERVAL_MS rather than c1's 1 s: host1's simulated
            # TRNG must keep up with 20 clients.
            text = text.replace("interval_ms = %d\n" % C1_INTERVAL_MS, "interval_ms = %d\n" % EXTRA_INTERVAL_MS)
            os.makedirs(os.path.dirname(node.path(rel)), exist_ok=True)
            with open(node.path(rel), "w") as f:
                f.write(text)
        os.makedirs(node.path("run/stunnel-egd-client"))
        os.makedirs(node.path("etc/stunnel/egd"))
        shutil.copy(template.path("etc/stunnel/egd/egd-client.crl"), node.path("etc/stunnel/egd/egd-client.crl"))
        for name, argv in node.services.items():
            r = node.run([fleet.CTL, node.state, "start", name] + argv)
            require(r.returncode == 0, "%s: started %s (%s)" % (role, name, r.stderr.strip()))
        nodes.append(node)
    return nodes


def host_socket(client, i):
    return client.path("run/stunnel-egd-client/egd-host%d.sock" % i)


def check_mixing_fed(clients, crediting):
    """Every client fed; the crediting ones with credit (full mixes: ioctl, > 0 bits)."""
    def fed(c):
        recs = records(c)
        return len(recs) >= 2 and (c.role not in crediting or any(r.entropy > 0 for r in recs))
    t0 = time.time()
    ok = wait_until(lambda: all(fed(c) for c in clients), 60)
    late = [c.role for c in clients if not fed(c)]
    check(ok, "%d clients (mix = 2 over both hosts) fed, the %d crediting ones with credit, within %.0f s%s"
          % (len(clients), len(crediting), time.time() - t0,
             "" if ok else ": not %s\n%s" % (late, next(c for c in clients if c.role in late).log("egd-feed")[-1500:])))


def check_known_never_fed(clients, what):
    recs = sum((records(c) for c in clients), [])
    bad = [r for r in recs if known_run(r.data)]
    check(recs and not bad, "%s: none of the %d buffers fed (%d bytes, all clients) holds a run of "
          "host2's chosen bytes%s" % (what, len(recs), sum(r.size for r in recs),
                                      "" if not bad else ": %d do" % len(bad)))


def check_malicious(host2, clients):
    """host2 serves KNOWN (seen through a client's endpoint for it); no kernel gets it."""
    c = clients[0]
    out = probe(c, "egd", host_socket(c, 2), 32)
    data = bytes.fromhex(out.get("data") or "")
    check(len(data) == 32 and known_run(data),
          "host2 serves the attacker's chosen bytes: 32 read through %s's endpoint egd-host2.sock "
          "are a run of them (%s)" % (c.role, out.get("error") or "found"))
    stats = egdctl(host2, "stats") or {}
    served = {a["address"]: a.get("bytes_served", 0) for a in stats.get("clients_by_address", [])}
    fed_by_2 = [c.role for c in clients if served.get("%s.%d" % (fleet.SUBNET, CLIENT_ADDR[c.role]), 0) > 0]
    check(len(fed_by_2) == len(clients), "host2's egdd served %d of %d clients (each mixes it in)"
          % (len(fed_by_2), len(clients)))
    check_known_never_fed(clients, "both hosts up")


def log_has(c, text, since):
    return text in c.log("egd-feed")[since.get(c.role, 0):]


def check_outage(host, clients, crediting):
    """host1's TLS endpoint stopped, then started: short of hosts (credit 0), then full."""
    server = "stunnel-egd@egd-server"
    marks = {c.role: len(c.log("egd-feed")) for c in clients}
    require(host.run([fleet.CTL, host.state, "stop", server]).returncode == 0, "host: stunnel egd-server stopped")
    t0 = time.monotonic()

    def short(c):
        # Fed on: twice for c1 and c2 (a reseed every second), once for the others.
        after = [r for r in records(c) if r.t > t0 + 0.5]
        return (len(after) >= (2 if c.role in ("c1", "c2") else 1) and all(r.entropy == 0 for r in after)
                and log_has(c, "short of hosts: mixing 1 of 2 hosts, credit 0", marks))
    ok = wait_until(lambda: all(short(c) for c in clients), OUTAGE_WAIT)
    took = time.monotonic() - t0
    missing = [c.role for c in clients if not short(c)]
    check(ok, "host1 down: all %d clients fed on from host2 alone, credit 0, and logged "
          "'short of hosts' within %.1f s%s" % (len(clients), took, "" if ok else ": not %s\n%s" % (
              missing, next(c for c in clients if c.role in missing).log("egd-feed")[-1500:])))
    floods = [c.role for c in clients
              if c.log("egd-feed")[marks[c.role]:].count("short of hosts") != 1]
    check(not floods, "host1 down: 'short of hosts' logged once per client, not per feed (%s)"
          % (floods or "all once"))
    check_known_never_fed(clients, "host1 down, host2 alone")

    marks = {c.role: len(c.log("egd-feed")) for c in clients}
    argv = host.services[server]
    require(host.run([fleet.CTL, host.state, "start", server] + argv).returncode == 0,
            "host: stunnel egd-server started again")
    t1 = time.monotonic()

    def full(c):
        after = [r for r in records(c) if r.t > t1]
        return (after and (c.role not in crediting or any(r.entropy > 0 for r in after))
                and log_has(c, "full mix again: 2 hosts per feed", marks))
    ok = wait_until(lambda: all(full(c) for c in clients), OUTAGE_WAIT)
    missing = [c.role for c in clients if not full(c)]
    check(ok, "host1 back: all %d clients mix both hosts again (crediting ones credit) and "
          "logged 'full mix again' within %.1f s%s" % (len(clients), time.monotonic() - t1,
                                                      "" if ok else ": not %s" % missing))
