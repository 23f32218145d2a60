# SPDX-License-Identifier: Apache-2.0
"""The fleet test's checks of the trust chain (issue 12) as the Puppet module deploys
it: the public HTTPS role cannot switch the device, the operator service can (only
for an allowed operator certificate), and a client revoked with `egd-pki revoke` is
refused once Puppet has distributed the new CRL, which reloads stunnel without
dropping anyone else.
"""
import json

import fleet
from fleetcheck import (Held, address, check, connections_from, egdctl, probe, records,
                        refused_in_log, require, state, wait_until)
import stunneltest as st

API = "/trng/randomNum/"


def https(client, port, pki, path, cert=None):
    """GET over HTTPS from client's namespace (Host: entropy1); cert: (crt, key) or None."""
    if cert:
        return probe(client, "https-cert", fleet.HOST_ADDR, port, "entropy1", pki.ca, cert[0], cert[1], path)
    return probe(client, "https", fleet.HOST_ADDR, port, "entropy1", pki.ca, path)


def status_of(out):
    line = out.get("status_line") or ""
    return int(line.split()[1]) if line.startswith("HTTP/1.1 ") else None


def describe(out):
    return out.get("status_line") or out.get("error") or str(out)


def check_public_https(host, client, pki):
    """:8443 -> trng-httpd's public socket: status and random numbers, no control."""
    out = https(client, 8443, pki, "/healthz")
    check(status_of(out) == 200, "%s: public HTTPS :8443/healthz -> trng-httpd: %s" % (client.role, describe(out)))
    out = https(client, 8443, pki, API + "getRandom?numBits=16&quantity=4")
    try:
        numbers = json.loads(out.get("body") or "null")
    except ValueError:
        numbers = None
    check(status_of(out) == 200 and isinstance(numbers, list) and len(numbers) == 4,
          "%s: public HTTPS getRandom: %s, %s" % (client.role, describe(out), numbers))
    out = https(client, 8443, pki, API + "shutdown")
    after = state(host)
    check(status_of(out) == 403 and after == "running",
          "%s: public HTTPS shutdown refused: %s; egdd still %s" % (client.role, describe(out), after))


def check_operator(host, client, pki, certs):
    """:8444 (mutual TLS, allow-list ['alice']) -> trng-httpd's operator socket."""
    for who, cert in (("c1's EGD client certificate", certs["c1"]), ("no certificate", None)):
        out = https(client, 8444, pki, API + "shutdown", cert)
        check(status_of(out) is None and state(host) == "running",
              "%s: operator service :8444 with %s: refused (%s), egdd still running"
              % (client.role, who, describe(out)))
    log = lambda: host.log("stunnel-egd@https-operator")  # noqa: E731
    check(wait_until(lambda: refused_in_log(log(), address(client.role),
                                            ["Rejected by CERT at depth=0: CN=c1"]), 10),
          "host: the operator service logged the refusal of CN=c1 (not an allowed operator)")

    out = https(client, 8444, pki, API + "shutdown", certs["alice"])
    down = state(host)
    check(status_of(out) == 200 and down == "standby",
          "%s: operator alice (egd-pki operator) shuts the device down on :8444: %s; egdd %s"
          % (client.role, describe(out), down))
    out = https(client, 8444, pki, API + "init", certs["alice"])
    up = wait_until(lambda: state(host) == "running", 30)
    check(status_of(out) == 200 and up, "%s: operator alice initialises it again: %s; egdd %s"
          % (client.role, describe(out), state(host)))


def reloads(node, service):
    return node.log(service).count("Configuration successful")


def device_summary(host):
    """egdd's state, alarms and pool, for failure messages."""
    s = egdctl(host, "status") or {}
    return "egdd %s, %s alarms (last: %s), pool %s bytes" % (
        s.get("state"), s.get("alarms"), s.get("last_alarm") or "none", s.get("pool_bytes"))


def check_revocation(host, clients, pki, certs, apply_host):
    """egd-pki revoke c2, Puppet distributes the CRL: stunnel reloaded (same pid), c2's
    new connections refused, c1 still served on its old connection and on new ones."""
    c1, c2 = clients
    ca, server = pki.ca, "stunnel-egd@egd-server"
    tls = lambda node, cert: probe(node, "tls", fleet.HOST_ADDR, 7776, "entropy1", ca,  # noqa: E731
                                   cert[0], cert[1], 32)
    out = tls(c2, certs["c2"])
    check(len(out["data"]) == 64, "c2: direct TLS to :7776 before the revocation: %d bytes"
          % (len(out["data"]) // 2))
    held = Held(c1, fleet.HOST_ADDR, 7776, "entropy1", ca, certs["c1"][0], certs["c1"][1], 16)
    require(len(held.first.get("data", "")) == 32, "c1: a TLS connection opened before the revocation: %s"
            % held.first)
    pids = {s: host.pid(s) for s in (server, "stunnel-egd@https-operator")}
    configs = {s: reloads(host, s) for s in pids}
    mark = len(host.log(server))

    st.pki("revoke", pki.path, "client", "c2")
    apply_host()
    check({s: host.pid(s) for s in pids} == pids and
          wait_until(lambda: all(reloads(host, s) > configs[s] for s in pids), 10),
          "host: the new CRL reloaded stunnel egd-server and https-operator (SIGHUP, same pids %s)"
          % sorted(pids.values()))
    fed_at_reload = len(records(c1))

    out = tls(c2, certs["c2"])
    revoked = wait_until(lambda: refused_in_log(host.log(server)[mark:], address("c2"),
                                                ["certificate revoked"]), 10)
    check(out["data"] == "" and out["closed"] and revoked,
          "c2: direct TLS with its revoked certificate refused (%s); host logs 'certificate revoked'"
          % out.get("error"))
    out = probe(c2, "egd", c2.socket, 32)
    check(out["data"] == "" and out["closed"],
          "c2: a new connection through its own stunnel gets no bytes (%s)" % (out.get("error") or out))

    # The device must have bytes for c1 (a loaded machine may have had the host's
    # pool drained, or an alarm and a re-initialisation, meanwhile): wait for it,
    # and say what egdd went through if it never comes.
    check(wait_until(lambda: (egdctl(host, "status") or {}).get("pool_bytes", 0) >= 256, 40),
          "host: egdd has bytes to serve after the reload (%s)" % device_summary(host))
    second = held.next()
    check(len(second.get("data", "")) == 32 and not second.get("closed"),
          "c1: its connection opened before the reload still serves it (%s; %s)"
          % (second.get("error") or "16 bytes", device_summary(host)))
    check(wait_until(lambda: len(records(c1)) > fed_at_reload, 10),
          "c1: egd-feed still fed after the reload (%d -> %d feeds)" % (fed_at_reload, len(records(c1))))
    anew = connections_from(host.log(server)[mark:], address("c1"))
    check(not anew, "c1: its stunnel client kept its TLS connection across the reload (%d new ones)"
          % len(anew))
    out = tls(c1, certs["c1"])
    check(len(out["data"]) == 64, "c1: a new TLS connection after the reload: %d bytes" % (len(out["data"]) // 2))
