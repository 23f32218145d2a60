# SPDX-License-Identifier: Apache-2.0
"""The trust chain (issue 12) against a real trng-httpd and a real egdd, imported and run
by test.py:

  * roles: a public listener answers init/shutdown/restart with 403 and egdd's state
    does not change; the operator listener controls; status says which role it is;
  * Host: names other than loopback and [http] allowed_hosts get 421 (DNS rebinding),
    a missing Host on HTTP/1.1 400; no entropy is taken for them;
  * cross-site: a foreign Origin, Origin "null" or Sec-Fetch-Site other than
    same-origin/none gets 403 on control and entropy endpoints, changing nothing;
  * test data: a token serves only the client that generated it, once; the file is
    deleted after the download and, untouched, when it expires (a timer);
  * max_clients_per_address: one client's extra connections are closed at once, others
    are served; client_rate_limit: 429 with Retry-After, per client;
  * listeners on unix sockets serve the API (mode 0660, removed at exit);
  * PROXY listeners: proxy:unix: takes the client from the header (the header may come
    in pieces, the request right behind it), a connection without a valid header is
    closed, a PROXY header on a plain listener is closed, a TCP proxy listener closes
    untrusted peers and serves trusted ones; the config rules are checked.
Clients with different addresses are 127.0.0.1 and 127.0.0.2 (both loopback here), or
the addresses a PROXY header names.
"""
import os
import socket
import stat
import subprocess
import time
import unittest

import httpdtest
from httpdtest import TrngHttpd, egdtest, via_proxy, closed_at_once

OTHER = "127.0.0.2"  # a second client address on this machine


class TrustCase(httpdtest.EgddHttpdCase):
    """egdd (os source, running) + trng-httpd with settings()."""
    prefix = "egdtest-050-trust-"
    pool = 2000

    def state(self):
        return self.egd.status()["state"]

    def metric(self, name, **kw):
        return self.httpd.metrics(**kw).get(name, 0)

    def refused(self, reason, what="requests", **kw):
        return self.metric('trng_httpd_%s_refused_total{reason="%s"}' % (what, reason), **kw)

    def random_bytes(self, **kw):
        return self.metric("trng_httpd_random_bytes_total", **kw)

    def assert_refused(self, reply, status, text):
        self.assertEqual(reply.status, status, reply.body)
        self.assertIn(text, reply.json()["message"])


class RoleTest(TrustCase):
    def settings(self):
        self.public = egdtest.free_port()
        return {"http": {"listen": [], "public_listen": ["127.0.0.1:%d" % self.public]}}

    def test_public_listener_cannot_control_operator_can(self):
        h = self.httpd
        self.assertEqual(h.api("status").json()["role"], "operator")
        self.assertEqual(h.api("status", port=self.public).json()["role"], "public")
        self.assertEqual(h.api("getRandom?numBits=64", port=self.public).status, 200)
        self.assertEqual(h.request("/pollen?challenge=ab", port=self.public).status, 200)
        self.assertEqual(self.state(), "running")
        for endpoint in ("shutdown", "restart", "init"):
            r = h.api(endpoint, port=self.public)
            self.assert_refused(r, 403, "needs the operator listener (mutual TLS with an "
                                        "operator certificate)")
            self.assertIn("nothing was changed", r.json()["message"])
            self.assertEqual(self.state(), "running", endpoint + " changed the state")
        self.assertEqual(h.api("shutdown").status, 200)  # the operator listener controls
        self.assertEqual(self.state(), "standby")
        self.assert_refused(h.api("init", port=self.public), 403, "operator listener")
        self.assertEqual(self.state(), "standby")
        self.assertEqual(h.api("init").status, 200)
        self.assertEqual(self.state(), "running")
        self.assertEqual(self.refused("role"), 4)
        self.assertEqual(self.metric('trng_httpd_requests_total{endpoint="shutdown",code="403"}'), 1)


class HostTest(TrustCase):
    def settings(self):
        return {"http": {"allowed_hosts": ["trng.example"]}}

    def test_host_header_must_be_loopback_or_allowed(self):
        h = self.httpd
        before = self.random_bytes()
        for path in ("/trng/randomNum/getRandom", "/", "/metrics", "/trng/randomNum/status"):
            self.assert_refused(h.request(path, headers={"Host": "evil.example"}), 421,
                                "DNS rebinding")
        self.assert_refused(h.api("shutdown", headers={"Host": "evil.example:8000"}), 421,
                            "evil.example")
        self.assertEqual(self.state(), "running")
        for host in ("localhost:1234", "LOCALHOST", "[::1]:8000", "127.0.0.1",
                     "TRNG.Example:8443", "trng.example"):
            self.assertEqual(h.api("getRandom?numBits=8", headers={"Host": host}).status, 200, host)
        with socket.create_connection(("127.0.0.1", h.port), timeout=5) as s:
            s.sendall(b"GET /trng/randomNum/getRandom HTTP/1.1\r\n\r\n")
            self.assertTrue(s.recv(200).startswith(b"HTTP/1.1 400"))
        with socket.create_connection(("127.0.0.1", h.port), timeout=5) as s:
            s.sendall(b"GET /trng/randomNum/getRandom?numBits=8 HTTP/1.0\r\n\r\n")
            self.assertTrue(s.recv(200).startswith(b"HTTP/1.1 200"))  # HTTP/1.0 has no Host
        self.assertEqual(self.random_bytes() - before, 7, "bytes were taken for refused requests")
        self.assertEqual(self.refused("host"), 6)


class CrossSiteTest(TrustCase):
    def test_foreign_pages_change_nothing_and_read_nothing(self):
        h = self.httpd
        before = self.random_bytes()
        foreign = [{"Origin": "https://evil.example"}, {"Origin": "null"},
                   {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                   {"Origin": "http://127.0.0.1:%d" % (h.port + 1)},
                   {"Origin": "http://127.0.0.1:%d" % h.port, "Sec-Fetch-Site": "cross-site"}]
        for headers in foreign:
            for endpoint in ("shutdown", "restart", "init", "getRandom?numBits=64",
                             "generateTestdata", "downloadFile?token=" + "0" * 32):
                r = h.api(endpoint, headers=headers)
                self.assert_refused(r, 403, "refused")
                self.assertEqual(r.json()["refused"], "cross_site")
            self.assertEqual(h.request("/pollen?challenge=ab", headers=headers).status, 403)
            self.assertEqual(self.state(), "running", headers)
        self.assertEqual(self.random_bytes(), before, "entropy went to a foreign page")
        self.assertEqual(os.listdir(h.files), [])
        self.assertEqual(self.refused("cross_site"), 7 * len(foreign))
        # Reading the page and the status is harmless; the page itself is same-origin;
        # an operator typing the URL into the address bar sends Sec-Fetch-Site: none.
        self.assertEqual(h.api("status", headers=foreign[0]).status, 200)
        same = {"Origin": "http://127.0.0.1:%d" % h.port, "Sec-Fetch-Site": "same-origin"}
        self.assertEqual(h.api("getRandom?numBits=64", headers=same).status, 200)
        self.assertEqual(h.api("shutdown", headers={"Sec-Fetch-Site": "none"}).status, 200)
        self.assertEqual(self.state(), "standby")


class TokenTest(TrustCase):
    def test_a_file_goes_only_to_its_client_once(self):
        h = self.httpd
        r = h.api("generateTestdata?numBits=800")
        token = r.json()["token"]
        cookie = {"Cookie": "trng_file=" + token}
        for reply in (h.api("downloadFile?token=" + token, source=OTHER),
                      h.api("downloadFile", headers=cookie, source=OTHER),
                      h.api("downloadFile", source=OTHER)):
            self.assertEqual(reply.status, 555, reply.body)
        self.assertIn("belongs to another client", h.api("downloadFile?token=" + token,
                                                        source=OTHER).json()["message"])
        self.assertEqual(len(os.listdir(h.files)), 1, "another client's attempt deleted it")
        d = h.api("downloadFile", headers=cookie)
        self.assertEqual((d.status, len(d.body)), (200, 100))
        self.assertEqual(os.listdir(h.files), [], "a downloaded file must be deleted")
        self.assertEqual(h.api("downloadFile", headers=cookie).status, 555)


class ExpiryTest(TrustCase):
    def settings(self):
        return {"files": {"max_age_s": 1}}

    def test_an_expired_file_is_deleted_without_any_request(self):
        h = self.httpd
        token = h.api("generateTestdata?numBits=800").json()["token"]
        self.assertEqual(len(os.listdir(h.files)), 1)
        egdtest.wait_for(lambda: os.listdir(h.files) == [], "the expired file to be deleted",
                         timeout=4)
        self.assertIn("expired", h.api("downloadFile?token=" + token).json()["message"])


class PerAddressTest(TrustCase):
    def settings(self):
        return {"http": {"max_clients_per_address": 2}}

    def test_one_address_cannot_take_every_slot(self):
        h = self.httpd
        # Only the metrics connection itself (from OTHER) is open: start()'s probe is gone.
        egdtest.wait_for(lambda: self.metric("trng_httpd_clients", source=OTHER) == 1,
                         "start-up probe connection closed")
        idle = [socket.create_connection(("127.0.0.1", h.port)) for _ in range(2)]
        try:
            third = socket.create_connection(("127.0.0.1", h.port))
            with third:
                self.assertTrue(closed_at_once(third), "a third connection was kept")
            self.assertEqual(h.request("/healthz", source=OTHER).status, 200)
            self.assertEqual(self.refused("per_address", "connections", source=OTHER), 1)
            self.assertIn("max_clients_per_address", h.log_text())
        finally:
            idle.pop().close()
        egdtest.wait_for(lambda: self.metric("trng_httpd_clients", source=OTHER) == 2,
                         "the closed connection to be gone")
        self.assertEqual(h.api("getRandom").status, 200)  # a slot is free again
        for s in idle:
            s.close()


class RateLimitTest(TrustCase):
    def settings(self):
        return {"limits": {"client_rate_limit": 100, "client_burst": 1024,
                           "max_total_bits": 8192, "max_testdata_bits": 8192}}

    def test_429_with_retry_after_per_client(self):
        h = self.httpd
        self.assertEqual(h.api("getRandom?numBits=8192").status, 200)  # the whole burst
        r = h.api("getRandom?numBits=8192")
        self.assert_refused(r, 429, "rate limit")
        self.assertIn(int(r.header("retry-after")), range(9, 12))
        self.assertEqual(r.json()["retry_after_s"], int(r.header("retry-after")))
        self.assertEqual(h.api("generateTestdata?numBits=8192").status, 429)
        self.assertEqual(h.request("/pollen", "POST", b"challenge=ab").status, 429)
        self.assertEqual(h.api("getRandom?numBits=8192", source=OTHER).status, 200)  # its own bucket
        self.assertEqual(self.random_bytes(), 2048)
        self.assertEqual(self.refused("rate_limit"), 3)
        time.sleep(0.6)  # ~60 bytes refilled
        self.assertEqual(h.api("getRandom?numBits=320").status, 200)


class UnixListenerTest(TrustCase):
    def settings(self):
        self.op = os.path.join(self.dir, "op.sock")
        return {"http": {"listen": ["unix:" + self.op]}}

    def test_the_api_over_a_unix_socket(self):
        self.assertEqual(stat.S_IMODE(os.stat(self.op).st_mode), 0o660)
        conn = httpdtest.SocketConnection(httpdtest.unix_socket(self.op), host="localhost")
        with conn.sock:
            r = httpdtest.exchange(conn, "/trng/randomNum/status")
            self.assertEqual((r.status, r.json()["role"]), (200, "operator"))
            r = httpdtest.exchange(conn, "/trng/randomNum/getRandom?numBits=32&quantity=2")  # keep-alive
            self.assertEqual((r.status, len(r.json())), (200, 2))
        self.httpd.stop()
        self.assertFalse(os.path.exists(self.op), "the socket was left behind")


class ProxyUnixTest(TrustCase):
    def settings(self):
        sockets = {}
        for role in ("operator", "public"):
            d = os.path.join(self.dir, role)
            os.mkdir(d, 0o750)
            sockets[role] = os.path.join(d, "http.sock")
        self.op, self.pub = sockets["operator"], sockets["public"]
        return {"http": {"listen": ["proxy:unix:" + self.op],
                         "public_listen": ["proxy:unix:" + self.pub],
                         "request_timeout_ms": 500}}

    def test_the_client_is_the_one_the_header_names(self):
        h = self.httpd
        self.assertEqual(stat.S_IMODE(os.stat(self.pub).st_mode), 0o660)
        r = via_proxy(self.pub, "203.0.113.7", "/trng/randomNum/status")
        self.assertEqual((r.status, r.json()["role"]), (200, "public"))
        self.assertEqual(via_proxy(self.pub, "203.0.113.7", "/trng/randomNum/shutdown").status, 403)
        self.assertEqual(self.state(), "running")
        self.assertEqual(via_proxy(self.op, "2001:db8::7", "/trng/randomNum/shutdown").status, 200)
        self.assertEqual(self.state(), "standby")
        self.assertEqual(via_proxy(self.op, "2001:db8::7", "/trng/randomNum/init").status, 200)
        token = via_proxy(self.pub, "203.0.113.7", "/trng/randomNum/generateTestdata?numBits=80",
                          split=True).json()["token"]
        target = "/trng/randomNum/downloadFile?token=" + token
        self.assertEqual(via_proxy(self.pub, "198.51.100.9", target).status, 555)
        self.assertEqual(h.request(target).status, 555)  # the proxy's own address is not it
        self.assertEqual(via_proxy(self.op, "203.0.113.8", target).status, 555)
        d = via_proxy(self.pub, "203.0.113.7", target)
        self.assertEqual((d.status, len(d.body)), (200, 10))

    def test_connections_without_a_valid_header_are_closed(self):
        h = self.httpd
        with httpdtest.unix_socket(self.pub) as s:  # no header: plain HTTP
            s.sendall(b"GET /trng/randomNum/getRandom HTTP/1.1\r\nHost: localhost\r\n\r\n")
            self.assertTrue(closed_at_once(s))
        with httpdtest.unix_socket(self.pub) as s:
            s.sendall(b"PROXY TCP4 999.1.1.1 192.0.2.1 1 2\r\n")
            self.assertTrue(closed_at_once(s))
        with httpdtest.unix_socket(self.pub) as s:  # half a header, then silence
            s.sendall(b"PROXY TCP4 203.0.")
            start = time.time()
            self.assertTrue(closed_at_once(s, timeout=3))
            self.assertGreater(time.time() - start, 0.3)  # request_timeout_ms = 500
        self.assertEqual(self.refused("bad_proxy_header", "connections"), 3)
        # One line for the first refusal of this peer and reason; the next ones are
        # counted, and told in the next line a minute later (no log flooding).
        self.assertEqual(h.log_text().count("closed: bad PROXY header"), 1)
        self.assertNotIn("no PROXY header in time", h.log_text())
        with socket.create_connection(("127.0.0.1", h.port)) as s:  # a plain listener
            s.sendall(httpdtest.proxy_line("203.0.113.7") + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(closed_at_once(s))
        self.assertEqual(self.refused("proxy_header_not_expected", "connections"), 1)
        self.assertIn("sent a PROXY header to a listener that takes none", h.log_text())

    def test_a_directory_open_to_everyone_is_refused_at_start(self):
        d = os.path.join(self.dir, "open")
        os.mkdir(d)
        os.chmod(d, 0o755)
        bad = TrngHttpd(os.path.join(self.dir, "open"), self.egd,
                        {"http": {"public_listen": ["proxy:unix:%s/http.sock" % d]}})
        r = subprocess.run([httpdtest.TRNG_HTTPD, "--config", bad.config], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("lets every local user reach the socket", r.stdout + r.stderr)


class ProxyTcpTest(TrustCase):
    def settings(self):
        self.proxy = egdtest.free_port()
        return {"http": {"public_listen": ["proxy:127.0.0.1:%d" % self.proxy],
                         "proxy_trusted_peers": [OTHER]}}

    def test_only_trusted_peers_may_send_a_header(self):
        with socket.create_connection(("127.0.0.1", self.proxy)) as s:
            s.sendall(httpdtest.proxy_line("203.0.113.7"))
            self.assertTrue(closed_at_once(s), "an untrusted peer was served")
        self.assertEqual(self.refused("untrusted_proxy_peer", "connections"), 1)
        s = socket.create_connection(("127.0.0.1", self.proxy), source_address=(OTHER, 0))
        s.sendall(httpdtest.proxy_line("203.0.113.7"))
        r = httpdtest.exchange(httpdtest.SocketConnection(s), "/trng/randomNum/status")
        self.assertEqual((r.status, r.json()["role"]), (200, "public"))
        s.close()
        self.assertIn("any local process can then claim any client address", self.httpd.log_text())

    def test_a_tcp_proxy_listener_needs_trusted_peers(self):
        os.mkdir(os.path.join(self.dir, "bad"))
        bad = TrngHttpd(os.path.join(self.dir, "bad"), self.egd,
                        {"http": {"public_listen": ["proxy:127.0.0.1:9"]}})
        r = egdtest.check_config(httpdtest.TRNG_HTTPD, bad.config)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"trng-httpd\.toml:\d+: http\.public_listen: 'proxy:127\.0\.0\.1:9' "
                                   r"takes PROXY headers over TCP")


if __name__ == "__main__":
    unittest.main(verbosity=2)
