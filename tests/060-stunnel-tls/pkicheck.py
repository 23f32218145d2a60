# SPDX-License-Identifier: Apache-2.0
"""Offline checks of scripts/egd-pki (test 060): what it issues, file modes,
idempotence, refusals (wildcards, clashing names, conflicting reissues) and the CRL
kept by init / revoke / crl. Revocation as stunnel sees it is checked in test.py."""
import datetime
import os
import re
import subprocess

import stunneltest as st
from stunneltest import fail


def openssl(*args):
    return subprocess.run(["openssl"] + list(args), capture_output=True, text=True,
                          check=True).stdout


def openssl_text(cert):
    return openssl("x509", "-in", cert, "-noout", "-text")


def days_between(text, first, second):
    """Days between two openssl date fields ("NAME=Mon DD HH:MM:SS YYYY GMT") in `text`."""
    dates = dict(l.split("=", 1) for l in text.splitlines() if "=" in l)
    start, end = (datetime.datetime.strptime(dates[k].strip(), "%b %d %H:%M:%S %Y %Z")
                  for k in (first, second))
    return (end - start).days


def days_valid(cert):
    return days_between(openssl("x509", "-in", cert, "-noout", "-startdate", "-enddate"),
                        "notBefore", "notAfter")


def run_pki(*args):
    return subprocess.run([st.EGD_PKI] + [str(a) for a in args], capture_output=True, text=True)


def snapshot(path):
    """{relative path: content} of every file under path (to show that nothing changed)."""
    out = {}
    for root, _, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, path)] = f.read()
    return out


def crl_serials(crl):
    return set(re.findall(r"Serial Number: ([0-9A-F]+)", openssl("crl", "-in", crl, "-noout", "-text")))


def cert_serial(cert):
    return openssl("x509", "-in", cert, "-noout", "-serial").strip().split("=", 1)[1]


def check_issued(pki):
    """Key types, lifetimes, usages and file modes of what init/host/client/operator make."""
    host_crt, host_key = pki.leaf("hosts", "entropy1")
    hv1_crt, hv1_key = pki.leaf("clients", "hv1")
    op_crt, op_key = pki.leaf("operators", "alice")
    modes = {pki.path: 0o700, os.path.join(pki.path, "ca.key"): 0o600, pki.ca: 0o644,
             pki.crl: 0o644, host_key: 0o600, host_crt: 0o644, hv1_key: 0o600, hv1_crt: 0o644,
             op_key: 0o600, op_crt: 0o644, os.path.join(pki.path, "operators"): 0o700,
             os.path.join(pki.path, "psk", "hv1.psk"): 0o600, pki.psk_server: 0o600}
    for path, mode in modes.items():
        if os.stat(path).st_mode & 0o777 != mode:
            fail("%s has mode %o, expected %o" % (path, os.stat(path).st_mode & 0o777, mode))
    ca, host = openssl_text(pki.ca), openssl_text(host_crt)
    client, op = openssl_text(hv1_crt), openssl_text(op_crt)
    for name, text in (("CA", ca), ("host", host), ("client", client), ("operator", op)):
        if "NIST CURVE: P-256" not in text or "ecdsa-with-SHA256" not in text:
            fail("%s certificate is not ECDSA P-256 / SHA-256" % name)
    if "CA:TRUE, pathlen:0" not in ca or not 3649 <= days_valid(pki.ca) <= 3651:
        fail("CA: want CA:TRUE, pathlen:0 and 10 years")
    if "TLS Web Server Authentication" not in host or "DNS:entropy1" not in host:
        fail("host certificate lacks serverAuth or DNS:entropy1")
    for name, text, dns in (("client", client, "DNS:hv1"), ("operator", op, "DNS:alice")):
        if "TLS Web Client Authentication" not in text or "Server Authentication" in text \
                or dns not in text:
            fail("%s certificate must have clientAuth only and %s" % (name, dns))
    if max(days_valid(c) for c in (host_crt, hv1_crt, op_crt)) > 825:
        fail("leaf certificates valid longer than 825 days")
    print("pki: ECDSA P-256; CA 10 years, pathlen 0; host serverAuth, client and operator "
          "clientAuth, <= 825 days; keys 0600, certificates and CRL 0644, dirs 0700")


def check_initial_crl(pki):
    """init made an empty CRL, signed by the CA, valid for years (an expired one locks
    every client out)."""
    text = openssl("crl", "-in", pki.crl, "-noout", "-lastupdate", "-nextupdate")
    verified = subprocess.run(["openssl", "crl", "-in", pki.crl, "-CAfile", pki.ca, "-noout"],
                              capture_output=True, text=True)
    if verified.returncode != 0 or "verify OK" not in verified.stdout + verified.stderr:
        fail("crl.pem is not signed by the CA: %s" % (verified.stdout + verified.stderr))
    if days_between(text, "lastUpdate", "nextUpdate") < 3000:
        fail("crl.pem is valid for less than 3000 days: %s" % text)
    if crl_serials(pki.crl):
        fail("a new CA's CRL lists revoked certificates")
    print("pki: init made an empty CRL signed by the CA, valid %d days"
          % days_between(text, "lastUpdate", "nextUpdate"))


def check_refusals(pki):
    """Repeats are unchanged; wildcards, a name used by the other client kind and a
    conflicting reissue are refused (exit 1) and change nothing; usage errors exit 2."""
    if not all("unchanged" in st.pki(*args) for args in (("client", pki.path, "hv1"),
                                                          ("operator", pki.path, "alice"),
                                                          ("init", pki.path))):
        fail("repeating egd-pki client/operator/init did not report 'unchanged'")
    before = snapshot(pki.path)
    cases = [  # (args, exit code, word the message must hold)
        (("client", pki.path, "*.example.org"), 1, "wildcard"),
        (("host", pki.path, "*"), 1, "wildcard"),
        (("operator", pki.path, "op*"), 1, "wildcard"),
        (("client", pki.path, "hv9", "--san", "DNS:*.example.org"), 1, "wildcard"),
        (("host", pki.path, "entropy9", "--san", "DNS:a.example,DNS:*.b.example"), 1, "wildcard"),
        (("operator", pki.path, "hv1"), 1, "differ"),
        (("client", pki.path, "alice"), 1, "differ"),
        (("client", pki.path, "hv1", "--san", "DNS:other"), 1, "revoke"),
        (("revoke", pki.path, "client", "nobody"), 1, "no client certificate"),
        (("revoke", pki.path, "server", "hv1"), 2, "egd-pki revoke   dir"),   # the synopsis
        (("revoke", pki.path, "client"), 2, "egd-pki revoke   dir"),
        (("crl", pki.path, "extra"), 2, "egd-pki revoke   dir"),
    ]
    for args, code, word in cases:
        r = run_pki(*args)
        if r.returncode != code or word not in (r.stdout + r.stderr).lower():
            fail("egd-pki %s: exit %d (%r), expected %d with %r"
                 % (" ".join(args[:1] + args[2:]), r.returncode, r.stderr.strip(), code, word))
    if snapshot(pki.path) != before:
        fail("a refused egd-pki command changed files in the CA directory")
    print("pki: repeats unchanged; wildcard names and SANs, a client/operator name clash and a "
          "conflicting reissue refused (exit 1, nothing changed); usage errors exit 2")


def check_revoke_cycle(path):
    """revoke and crl on a scratch CA: the serial goes on a re-signed CRL (new CRL number),
    the files move to revoked/, the name can be issued again, repeats are unchanged; a CA
    made before egd-pki kept a CRL gets one from `crl`."""
    scratch = st.Pki(path)
    crt, _ = scratch.client("vm1")
    serial = cert_serial(crt)
    number = openssl("crl", "-in", scratch.crl, "-noout", "-crlnumber")
    out = scratch.revoke("client", "vm1")
    if "revoked" not in out or serial not in crl_serials(scratch.crl):
        fail("egd-pki revoke: serial %s not on the CRL: %s" % (serial, out))
    if openssl("crl", "-in", scratch.crl, "-noout", "-crlnumber") == number:
        fail("revoke did not sign a new CRL (same CRL number)")
    aside = os.path.join(path, "revoked", "clients", "vm1", serial)
    if os.path.exists(crt) or not all(os.path.exists(aside + ext) for ext in (".crt", ".key")):
        fail("revoked files not moved to %s.{crt,key}" % aside)
    before = snapshot(path)
    if "unchanged" not in scratch.revoke("client", "vm1") or snapshot(path) != before:
        fail("revoking vm1 again was not 'unchanged'")
    new_crt, _ = scratch.client("vm1")
    if cert_serial(new_crt) in crl_serials(scratch.crl):
        fail("the reissued vm1 is on the CRL")
    os.remove(scratch.crl)
    st.pki("crl", path)
    if crl_serials(scratch.crl) != {serial}:
        fail("egd-pki crl did not rebuild crl.pem from the database")
    print("pki: revoke puts the serial on a new CRL (re-signed, new number) and moves the files "
          "to revoked/; repeat unchanged; the name is issued again; crl rebuilds crl.pem")


def check_pki(pki, scratch_path):
    check_issued(pki)
    check_initial_crl(pki)
    check_refusals(pki)
    check_revoke_cycle(scratch_path)
