#!/usr/bin/env python3
"""052-pollinate: Ubuntu's Entropy-as-a-Service client, Debian's real `pollinate`
script, seeds from trng-httpd's pollen-compatible endpoint.

pollinate sends challenge=<sha512 hex of 64 local random bytes> with curl, checks that
the first line of the answer is sha512(challenge), and writes sha512(answer) to its
device. It logs with logger(1) to /dev/log; each run gets a private mount namespace
whose /dev/log is a socket the test reads (private-syslog.sh), and a pty as stdin
(pollinate's interactive mode). --testing writes the seed to stdout; --strict makes a
failed exchange exit 1 instead of 0.

Needs /usr/bin/pollinate and root for unshare --mount (else skipped, exit 77)."""
import os
import shutil
import subprocess
import sys
import unittest

WRAPPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "private-syslog.sh")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import httpdtest  # noqa: E402


def pollinate(workdir, *args):
    """Runs pollinate in a private mount namespace (private-syslog.sh) with a pty as
    stdin; returns (exit code, stdout bytes, stderr text, syslog text)."""
    syslog = os.path.join(workdir, "syslog")
    if os.path.exists(syslog):
        os.unlink(syslog)
    master, slave = os.openpty()
    try:
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", WRAPPER,
                            workdir, "pollinate"] + list(args), stdin=slave,
                           capture_output=True, timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    log = ""
    if os.path.exists(syslog):
        with open(syslog, errors="replace") as f:
            log = f.read()
    return r.returncode, r.stdout, r.stderr.decode(errors="replace"), log


class PollinateTest(httpdtest.EgddHttpdCase):
    prefix = "egdtest-052-"

    def pollen_requests(self, code):
        return self.httpd.metrics().get(
            'trng_httpd_requests_total{endpoint="pollen",code="%d"}' % code, 0)

    def test_pollinate_verifies_and_seeds(self):
        for n, url in enumerate((self.httpd.url + "/", self.httpd.url + "/pollen"), start=1):
            served = self.egd.status()["bytes_served"]
            rc, out, err, log = pollinate(self.dir, "--testing", "--strict", "--server", url)
            self.assertEqual(rc, 0, err)
            self.assertIn("pollinate", log)
            self.assertIn("client sent challenge to [%s]" % url, log)
            self.assertIn("client verified challenge/response with [%s]" % url, log)
            self.assertIn("client hashed response from [%s]" % url, log)
            self.assertIn(len(out), (64, 128))  # the seed: binary (BINARY=1) or hex
            self.assertEqual(self.pollen_requests(200), n)
            self.assertEqual(self.httpd.metrics()["trng_httpd_random_bytes_total"], 64 * n)
            self.assertGreaterEqual(self.egd.status()["bytes_served"] - served, 64)

    def test_pollinate_seeds_a_device(self):
        """The normal mode (not --testing): it writes the seed to its device (a file
        here) and records the seeding in /var/cache/pollinate (a private tmpfs)."""
        device = os.path.join(self.dir, "device")
        with open(device, "wb"):
            pass
        rc, out, err, log = pollinate(self.dir, "--reseed", "--strict", "--device", device,
                                      "--server", self.httpd.url + "/")
        self.assertEqual(rc, 0, err)
        self.assertIn("client verified challenge/response", log)
        self.assertIn("client successfully seeded [%s]" % device, log)
        with open(device, "rb") as f:
            self.assertEqual(len(f.read()), 64)  # sha512 of the answer, binary
        self.assertEqual(self.pollen_requests(200), 1)

    def test_pollinate_rejects_a_server_that_fails_the_challenge(self):
        url = self.httpd.url + "/trng/randomNum/getRandom"  # not a pollen endpoint
        rc, out, err, log = pollinate(self.dir, "--testing", "--strict", "--server", url)
        self.assertEqual(rc, 1)
        self.assertIn("Server failed challenge/response", log)
        self.assertEqual(out, b"")

    def test_no_seed_while_the_device_is_in_standby(self):
        self.assertEqual(self.httpd.api("shutdown").status, 200)
        rc, out, err, log = pollinate(self.dir, "--testing", "--strict",
                                      "--server", self.httpd.url + "/")
        self.assertEqual(rc, 1)
        self.assertIn("Server failed challenge/response", log)
        self.assertEqual(self.pollen_requests(432), 1)
        self.assertEqual(self.httpd.metrics()["trng_httpd_random_bytes_total"], 0)


def can_unshare():
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0


if __name__ == "__main__":
    if not shutil.which("pollinate"):
        print("skipped: needs pollinate (Debian package pollinate)")
        sys.exit(77)
    if not can_unshare():
        print("skipped: needs a private mount namespace (root) for pollinate's syslog")
        sys.exit(77)
    unittest.main(verbosity=2)
