#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boot seeding: how long a QEMU TCG guest's kernel takes from its start to
`random: crng init done`, without and with a virtio-rng fed by egdd over TLS.
Run through bench/run-boot, which sets the environment (binaries, cache).

Guest: the one of tests 030/061 (tests/lib/build_guest.py, qemutest.py), booted
with `egdtest.boot=MODE loglevel=6` (so the kernel's notice lines, printk
timestamps included, reach the serial console) on a CPU model without RDRAND and
RDSEED (checked in /proc/cpuinfo every run: with either, CONFIG_RANDOM_TRUST_CPU
would seed the CRNG at once). Its /init loads the virtio modules and then (MODE
block) reads /dev/random, which blocks until the CRNG is ready, as a boot's first
getrandom() would, or (MODE idle) asks for nothing and waits for the line.

Cases, interleaved A, B, A, B, ... (so drift in the machine's load hits both):
  A  no virtio-rng
  B  virtio-rng <- rng-egd chardev <- stunnel client (unix socket, mutual TLS)
     <- stunnel server <- egdd (proxy:unix listener) <- serial source <- trng-sim
     on a pty: the production topology of docs/clients.md with the simulated device
Each B run must show virtio_rng as the guest's current hwrng and egdd serving new
bytes to the stunnel client's address, or the run fails.

Prints a markdown table per run and a summary (median, min, max, ratio).
"""
import argparse
import contextlib
import os
import re
import statistics
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import qemutest  # noqa: E402
import simtest  # noqa: E402
import stunneltest as st  # noqa: E402
from egdtest import fail, wait_for, workdir  # noqa: E402

CLIENT_ADDRESS = "127.0.0.2"  # the stunnel client's source address, as egdd counts it
SIM_RATE_BPS = 7000           # trng-sim's rate: under the 960 bytes/s of 9600 baud (test 041)
POOL_BEFORE_RUN = 1024        # bytes egdd's pool holds before each B boot
CRNG_RE = re.compile(r"^\[\s*(\d+\.\d+)\] random: crng init done", re.M)


class Tunnel:
    """trng-sim -> egdd -> stunnel server -> stunnel client; QEMU connects to .socket."""

    def __init__(self, wd, stack):
        pki = st.Pki(os.path.join(wd, "pki"))
        host_cert, host_key = pki.host("entropy1")
        cert, key = pki.client("guest1")
        sim_dir = os.path.join(wd, "sim")
        os.mkdir(sim_dir)
        sim = simtest.TrngSim(sim_dir, SIM_RATE_BPS, log=os.path.join(sim_dir, "sim.log"))
        stack.callback(sim.stop)
        egdd_dir = os.path.join(wd, "egdd")
        self.egdd = stack.enter_context(st.ProxyEgdd(
            egdd_dir, {"kind": "serial"},
            extra='[serial]\nport = "%s"\nbaud_rate = 9600\n' % sim.link))
        wait_for(lambda: self.egdd.status()["state"] == "running",
                 "egdd running on trng-sim (startup health test)", timeout=60)
        server_port = st.egdtest.free_port()
        stack.enter_context(st.Stunnel(
            wd, "stunnel-server", "egd-server.conf.in", server_port,
            ACCEPT="127.0.0.1:%d" % server_port, CONNECT=self.egdd.proxy_path,
            CERT=host_cert, KEY=host_key, CAFILE=pki.ca, CRLFILE=pki.crl,
            ALLOWED_CLIENTS="guest1"))
        run = os.path.join(wd, "stunnel-egd-client")
        os.mkdir(run, 0o750)
        self.socket = os.path.join(run, "egd.sock")
        stack.enter_context(st.Stunnel(
            wd, "stunnel-client", "egd-client.conf.in", self.socket, ACCEPT=self.socket,
            CONNECT="127.0.0.1:%d" % server_port, HOST_NAMES="entropy1", CERT=cert, KEY=key,
            CAFILE=pki.ca, CRLFILE=pki.crl, SOURCE_ADDRESS=CLIENT_ADDRESS))

    def counters(self):
        """(bytes egdd served, connections it counted from the stunnel client)."""
        conns = self.egdd.by_address().get(CLIENT_ADDRESS, {}).get("connections_total", 0)
        return self.egdd.status()["bytes_served"], conns


def marker(text, name):
    m = re.search(r"^%s ?(.*)$" % name, text, re.M)
    return m.group(1).strip() if m else None


def boot(args, kernel, initrd, console, rng):
    """Boots once; returns {crng: seconds or None, blocked: seconds, current: hwrng}."""
    append = "loglevel=6 egdtest.boot=%s egdtest.idle_seconds=%d" % (args.mode, args.idle_seconds)
    t0 = time.monotonic()
    qemutest.run_guest(kernel, initrd, console, rng, cpu=args.cpu, append=append,
                       timeout=args.idle_seconds + 120)
    wall = time.monotonic() - t0
    text = qemutest.read_text(console).replace("\r", "")
    flags = marker(text, "EGDTEST-CPU-FLAGS")
    if flags is None or marker(text, "EGDTEST-UPTIME-AFTER") is None:
        fail("guest printed no boot markers; console:\n" + text)
    flags = flags.split(":", 1)[-1].split()
    if "rdrand" in flags or "rdseed" in flags:
        fail("CPU model %s offers rdrand/rdseed to the guest: pick another (-cpu)" % args.cpu)
    m = CRNG_RE.search(text)
    version = re.search(r"Linux version (\S+)", text)
    before = float(marker(text, "EGDTEST-UPTIME-BEFORE"))
    return {"crng": float(m.group(1)) if m else None, "wall": wall, "asks": before,
            "blocked": float(marker(text, "EGDTEST-UPTIME-AFTER")) - before,
            "current": marker(text, "EGDTEST-RNG-CURRENT"),
            "quality": marker(text, "EGDTEST-RNG-QUALITY"),
            "kernel": version.group(1) if version else "?", "flags": flags}


def run_b(args, tunnel, kernel, initrd, console):
    tunnel.egdd.wait_pool(POOL_BEFORE_RUN, timeout=30)
    served, conns = tunnel.counters()
    r = boot(args, kernel, initrd, console, qemutest.rng_options(tunnel.socket))
    served2, conns2 = tunnel.counters()
    if not (r["current"] or "").startswith("virtio_rng"):
        fail("guest's current hwrng is %r, not virtio_rng" % r["current"])
    if conns2 <= conns or served2 <= served:
        fail("egdd saw no new connection from %s or served nothing (%d -> %d bytes)"
             % (CLIENT_ADDRESS, served, served2))
    r["served"] = served2 - served
    return r


def fmt(v):
    return "never" if v is None else "%.2f" % v


def summary(name, rows, timeout_note):
    """(median seconds to crng init done or None, the case's summary row)."""
    vals = [r["crng"] for r in rows if r["crng"] is not None]
    waited = statistics.median(r["blocked"] for r in rows)
    missing = len(rows) - len(vals)
    if not vals:
        return None, "| %s | never | | | %.2f | %s |" % (name, waited, timeout_note)
    med = statistics.median(vals)
    note = "%d of %d runs never (%s)" % (missing, len(rows), timeout_note) if missing else ""
    return med, "| %s | %.2f | %.2f | %.2f | %.2f | %s |" % (
        name, med, min(vals), max(vals), waited, note)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cpu", default="qemu64")
    p.add_argument("--mode", choices=["block", "idle"], default="block")
    p.add_argument("--idle-seconds", type=int, default=120)
    args = p.parse_args()
    if args.runs < 1:
        fail("--runs must be at least 1")
    kernel, initrd, desc = qemutest.build()
    print("- guest: %s, QEMU TCG, -cpu %s, 256 MiB, /init mode %s" % (desc, args.cpu, args.mode))
    print("- load average at start: %s" % open("/proc/loadavg").read().split(" ", 3)[:3])
    rows = {"A": [], "B": []}
    with workdir("bench-boot-") as wd, contextlib.ExitStack() as stack:
        tunnel = Tunnel(wd, stack)
        print("- B: rng-egd -> %s (stunnel client, mutual TLS) -> stunnel server -> egdd "
              "(serial source, trng-sim at %d bit/s)" % (tunnel.socket, SIM_RATE_BPS))
        print()
        print("| run | case | crng init done (s after kernel start) | /init waits from (s) "
              "| /init waited (s) | guest hwrng (quality) | egdd bytes served | QEMU wall (s) |")
        print("|---:|---|---:|---:|---:|---|---:|---:|")
        for i in range(1, args.runs + 1):
            for case in ("A", "B"):
                console = os.path.join(wd, "console-%d-%s.log" % (i, case))
                r = run_b(args, tunnel, kernel, initrd, console) if case == "B" else \
                    boot(args, kernel, initrd, console, [])
                rows[case].append(r)
                print("| %d | %s | %s | %.2f | %.2f | %s (%s) | %s | %.1f |" % (
                    i, case, fmt(r["crng"]), r["asks"], r["blocked"], r["current"],
                    r["quality"], r.get("served", "—"), r["wall"]), flush=True)
    first = rows["A"][0]
    print()
    print("- guest kernel %s; CPU flags have neither rdrand nor rdseed: %s"
          % (first["kernel"], " ".join(first["flags"])))
    print()
    note = "/init mode %s%s" % (args.mode, ", waited %d s" % args.idle_seconds
                                if args.mode == "idle" else "")
    print("| case | crng init done: median (s) | min (s) | max (s) | /init waited: median (s) | note |")
    print("|---|---:|---:|---:|---:|---|")
    meds = {}
    for case, name in (("A", "A: no virtio-rng"), ("B", "B: virtio-rng <- egdd over TLS")):
        meds[case], line = summary(name, rows[case], note)
        print(line)
    if meds["A"] and meds["B"]:
        print("\nratio of medians A / B: %.1f×" % (meds["A"] / meds["B"]))
    print("- load average at end: %s" % open("/proc/loadavg").read().split(" ", 3)[:3])


if __name__ == "__main__":
    try:
        main()
    except (st.Failure, RuntimeError) as e:  # stunnel, PKI or egdd failed to start
        fail(str(e))
