"""The fleet test's machinery: network namespaces joined by a bridge, and nodes
configured by `puppet apply` of the egd module into their own sandbox.

Network (made by the test, removed by Network.destroy):

    namespace <prefix>-host: bridge br0 10.77.0.1/24
      veth ---- <prefix>-c1    eth0 10.77.0.11/24
      veth ---- <prefix>-c2    eth0 10.77.0.12/24
      veth ---- <prefix>-rogue eth0 10.77.0.13/24
      veth ---- <prefix>-host2 eth0 10.77.0.2/24     (mixing.py: the second host)
      veth ---- <prefix>-f03 .. -f20  10.77.0.23 .. .40  (mixing.py: more clients)

Every veth is created inside the namespaces (`ip -n`), so nothing appears in the
root namespace and runs in parallel cannot collide on interface names. Ports are
per namespace too, which is why the nodes use the module's default ports.

A Node is one machine: a sandbox directory holding everything the module writes
(all directory parameters point into it, so the unix sockets between the daemons
live there too), Puppet's own confdir/vardir/..., and the `base` provider's pid
files and daemon logs (STATE, via ./ctl). Every process runs as root here, so the
module's per-instance stunnel users are off (stunnel_user_prefix => '').
"""
import os
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODULE = os.path.join(ROOT, "puppet")
STDLIB = "/usr/share/puppet/modules"
CTL = os.path.join(HERE, "ctl")

SUBNET = "10.77.0"
HOST_ADDR = SUBNET + ".1"


def ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.strip()))
    return r


class Network:
    """The namespaces: one host with a bridge, clients attached by veth pairs."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.names = []

    def ns(self, role):
        return "%s-%s" % (self.prefix, role)

    def add(self, role):
        name = self.ns(role)
        ip("netns", "add", name)
        self.names.append(name)
        ip("-n", name, "link", "set", "lo", "up")
        return name

    def make_host(self):
        host = self.add("host")
        ip("-n", host, "link", "add", "br0", "type", "bridge")
        ip("-n", host, "addr", "add", HOST_ADDR + "/24", "dev", "br0")
        ip("-n", host, "link", "set", "br0", "up")
        return host

    def attach(self, role, last_octet):
        """A client namespace with eth0 = SUBNET.last_octet, bridged to the host."""
        name, host = self.add(role), self.ns("host")
        peer = "v-" + role
        ip("-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", host)
        ip("-n", host, "link", "set", peer, "master", "br0", "up")
        ip("-n", name, "addr", "add", "%s.%d/24" % (SUBNET, last_octet), "dev", "eth0")
        ip("-n", name, "link", "set", "eth0", "up")
        return name

    def pids(self, name):
        r = ip("netns", "pids", name, check=False)
        return [int(p) for p in r.stdout.split()] if r.returncode == 0 else []

    def destroy(self):
        """Kills what still runs in our namespaces (all of it started by this test),
        then deletes them."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            left = [p for n in self.names for p in self.pids(n)]
            for p in left:
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            deadline = time.time() + 5
            while left and time.time() < deadline:
                left = [p for n in self.names for p in self.pids(n)]
                time.sleep(0.05)
        for n in reversed(self.names):
            ip("netns", "del", n, check=False)


def puppet_string(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Node:
    """One machine of the fleet: sandbox paths, service commands, manifest, apply."""

    def __init__(self, work, role, netns, services):
        self.role, self.netns, self.services = role, netns, services
        self.dir = os.path.join(work, role)
        self.sb = os.path.join(self.dir, "sb")
        self.state = os.path.join(self.dir, "state")
        for d in ("sb/etc", "sb/run", "state", "puppet/conf", "puppet/var", "puppet/log",
                  "puppet/run", "puppet/code"):
            os.makedirs(os.path.join(self.dir, d))
        self.modulepath = os.path.join(work, "modules") + ":" + STDLIB

    def path(self, rel):
        return os.path.join(self.sb, rel)

    def puppet_dirs(self):
        p = os.path.join(self.dir, "puppet")
        return ["--confdir", p + "/conf", "--vardir", p + "/var", "--logdir", p + "/log",
                "--rundir", p + "/run", "--codedir", p + "/code"]

    def egd_class(self):
        """class egd for a sandbox: no packages, `base` services through ./ctl."""
        cmds = []
        for name, argv in self.services.items():
            ctl = "%s %s" % (CTL, self.state)
            # stunnel re-reads its CRL on SIGHUP (egd::crl_file runs `reload`).
            reload = (", 'reload' => %s" % puppet_string("%s reload %s" % (ctl, name))
                      if name.startswith("stunnel-egd@") else "")
            cmds.append("    %s => { 'start' => %s, 'stop' => %s, 'status' => %s%s },"
                        % (puppet_string(name),
                           puppet_string("%s start %s %s" % (ctl, name, " ".join(argv))),
                           puppet_string("%s stop %s" % (ctl, name)),
                           puppet_string("%s status %s" % (ctl, name)), reload))
        return """class { 'egd':
  manage_package      => false,
  service_provider    => 'base',
  stunnel_dir         => '%(sb)s/etc/stunnel',
  tls_dir             => '%(sb)s/etc/stunnel/egd',
  stunnel_user_prefix => '',
  stunnel_debug       => 'info',
  manage_run_dirs     => true,
  service_commands    => {
%(cmds)s
  },
}
""" % {"sb": self.sb, "cmds": "\n".join(cmds)}

    def write_manifest(self, body):
        self.manifest = os.path.join(self.dir, "site.pp")
        with open(self.manifest, "w") as f:
            f.write(self.egd_class() + body)

    def apply(self):
        """Starts `puppet apply --detailed-exitcodes` in this node's namespace."""
        self.apply_log = open(os.path.join(self.dir, "apply-%d.log" % time.monotonic_ns()), "w+")
        return subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "puppet", "apply", "--detailed-exitcodes",
             "--color=false", "--modulepath", self.modulepath] + self.puppet_dirs() + [self.manifest],
            stdout=self.apply_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def apply_output(self):
        self.apply_log.seek(0)
        return self.apply_log.read()

    def pid(self, service):
        try:
            with open(os.path.join(self.state, service + ".pid")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    def log(self, service):
        try:
            with open(os.path.join(self.state, service + ".log"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def run(self, argv, timeout=30):
        """Runs argv inside this node's namespace."""
        return subprocess.run(["ip", "netns", "exec", self.netns] + argv, capture_output=True,
                              text=True, timeout=timeout)


def apply_all(nodes, timeout=300):
    """puppet apply on every node at once; {role: exit code}."""
    procs = {n.role: n.apply() for n in nodes}
    codes = {}
    for role, p in procs.items():
        try:
            codes[role] = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            codes[role] = p.wait()
    return codes
