#!/usr/bin/env python3
"""054-httpd-live-reload: every [http] limit and timeout, and [limits], changed by SIGHUP,
applies to the next request or connection, on new connections and on keep-alive ones
already open (sessions read the running configuration as each request starts):

  * header_limit_bytes: a request with 3000 bytes of headers, 200 before, 431 after;
  * body_limit_bytes: a 400-byte pollen body, accepted before, 413 after;
  * idle_timeout_ms: a silent connection, kept before, closed within the new timeout after;
  * request_timeout_ms: a request whose body stops halfway, kept before, closed after;
  * max_clients: a fourth connection, served before, closed at once after (counted);
  * max_clients_per_address: a third connection from 127.0.0.1, served before, closed
    after, while 127.0.0.2 is still served;
  * allowed_hosts: Host trng.example, 421 before, 200 after;
  * [limits] max_num_bits and max_quantity: 400 before, 200 after (and back).

A file that does not load (a bad key beside changed limits and a quieter log level)
changes nothing: every limit above stays as it was and info lines are still logged.
"""
import http.client
import os
import signal
import socket
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import httpdtest  # noqa: E402
from httpdtest import closed_at_once, egdtest  # noqa: E402
from egdtest import wait_for  # noqa: E402

BIG_HEADERS = {"X-Filler-%d" % i: "x" * 290 for i in range(10)}  # ~3000 bytes


class LiveReload(httpdtest.EgddHttpdCase):
    prefix = "egdtest-054-"
    base = {
        "http": {"idle_timeout_ms": 20000, "request_timeout_ms": 20000},
        "limits": {"max_num_bits": 64, "max_quantity": 10},
        "log": {"level": "info"},
    }

    def settings(self):
        return {k: dict(v) for k, v in self.base.items()}

    def write(self, changes, extra=""):
        """Writes the configuration: the base settings with `changes` ({"section":
        {"key": value}}) and raw `extra` TOML lines."""
        sections = {
            "http": {"listen": "127.0.0.1:%d" % self.httpd.port},
            "egdd": {"egd": "127.0.0.1:%d" % self.egd.port, "control": self.egd.control},
            "files": {"dir": self.httpd.files},
        }
        with open(self.httpd.config, "w") as f:
            f.write(egdtest.toml_text(sections, self.settings(), changes) + extra)

    def hup(self, marker):
        before = self.httpd.log_text().count(marker)
        self.httpd.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.httpd.log_text().count(marker) > before, "'%s' in the log" % marker)

    def reload(self, changes):
        self.write(changes)
        self.hup("reload: configuration %s applied" % self.httpd.config)

    def connection(self, source=None):
        return http.client.HTTPConnection("127.0.0.1", self.httpd.port, timeout=10,
                                          source_address=(source, 0) if source else None)

    def raw(self, source="127.0.0.1"):
        s = socket.socket()
        s.bind((source, 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", self.httpd.port))
        self.addCleanup(s.close)
        return s

    def served(self, sock):
        """True if a request on the raw connection `sock` is answered."""
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            sock.settimeout(10)
            return sock.recv(12).startswith(b"HTTP/1.1")
        except OSError:
            return False

    def metrics(self):
        # From an address of its own: 127.0.0.1 may be at its connection limit.
        return self.httpd.metrics(source="127.0.0.9")

    def refused(self, reason):
        return self.metrics()['trng_httpd_connections_refused_total{reason="%s"}' % reason]

    def wait_closed(self, socks):
        """Closes `socks` and waits until trng-httpd saw them go."""
        for s in socks:
            s.close()

        def few_clients():
            try:
                return self.metrics()["trng_httpd_clients"] <= 1
            except (OSError, http.client.HTTPException):
                return False  # still at max_clients
        wait_for(few_clients, "closed connections gone")

    def status(self, path, conn=None, **kw):
        return self.httpd.request(path, conn=conn, **kw).status

    def test_each_key_applies_at_once(self):
        keep_alive = self.connection()
        self.addCleanup(keep_alive.close)
        self.assertEqual(self.status("/trng/randomNum/getRandom", conn=keep_alive,
                                     headers=BIG_HEADERS), 200)
        pollen_body = "challenge=" + "ab" * 195  # 400 bytes
        self.assertNotEqual(self.status("/pollen", method="POST", body=pollen_body), 413)
        self.assertEqual(self.status("/trng/randomNum/getRandom",
                                     headers={"Host": "trng.example"}), 421)
        self.assertEqual(self.status("/trng/randomNum/getRandom?numBits=128"), 400)
        self.assertEqual(self.status("/trng/randomNum/getRandom?numBits=8&quantity=20"), 400)
        held = [self.raw() for _ in range(3)]
        self.assertTrue(all(self.served(s) for s in held), "three connections from one address")

        self.reload({"http": {"header_limit_bytes": 1024, "body_limit_bytes": 100,
                              "allowed_hosts": ["trng.example"]},
                     "limits": {"max_num_bits": 256, "max_quantity": 100}})
        # The keep-alive connection opened before the reload gets the new limit.
        self.assertEqual(self.status("/trng/randomNum/getRandom", conn=keep_alive,
                                     headers=BIG_HEADERS), 431)
        self.assertEqual(self.status("/trng/randomNum/getRandom", headers=BIG_HEADERS), 431)
        self.assertEqual(self.status("/pollen", method="POST", body=pollen_body), 413)
        self.assertEqual(self.status("/trng/randomNum/getRandom",
                                     headers={"Host": "trng.example"}), 200)
        self.assertEqual(self.status("/trng/randomNum/getRandom?numBits=128"), 200)
        self.assertEqual(self.status("/trng/randomNum/getRandom?numBits=8&quantity=20"), 200)
        self.assertEqual(self.status("/trng/randomNum/getRandom?numBits=257"), 400)

        # Timeouts: a silent connection and a body that stops halfway.
        silent, halfway = self.raw(), self.raw()
        halfway.sendall(b"POST /pollen HTTP/1.1\r\nHost: localhost\r\nContent-Length: 90\r\n"
                        b"\r\nchallenge=ab")
        self.assertFalse(closed_at_once(silent, 1.0), "idle_timeout_ms 20000 closed it")
        self.assertFalse(closed_at_once(halfway, 0.2), "request_timeout_ms 20000 closed it")
        self.reload({"http": {"idle_timeout_ms": 400, "request_timeout_ms": 400}})
        t0 = time.monotonic()
        # Their timers were set before the reload: a new request starts the new ones.
        silent2, halfway2 = self.raw(), self.raw()
        halfway2.sendall(b"POST /pollen HTTP/1.1\r\nHost: localhost\r\nContent-Length: 90\r\n"
                         b"\r\nchallenge=ab")
        self.assertTrue(closed_at_once(silent2, 3), "idle_timeout_ms 400 not applied")
        self.assertTrue(closed_at_once(halfway2, 3), "request_timeout_ms 400 not applied")
        self.assertLess(time.monotonic() - t0, 3)
        kept = self.connection()
        self.addCleanup(kept.close)
        self.assertEqual(self.status("/healthz", conn=kept), 200)
        time.sleep(1.0)  # beyond the new keep-alive timeout
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.status("/healthz", conn=kept)
        self.wait_closed(held + [silent, halfway])

        # Connection limits: per address, then in all.
        self.reload({"http": {"max_clients_per_address": 2}})
        before = self.refused("per_address")
        held = [self.raw() for _ in range(2)]
        self.assertTrue(all(self.served(s) for s in held))
        third = self.raw()
        self.assertTrue(closed_at_once(third, 3), "max_clients_per_address 2 not applied")
        self.assertEqual(self.refused("per_address"), before + 1)
        other = self.raw("127.0.0.2")
        self.assertTrue(self.served(other), "another address is still served")
        self.wait_closed(held + [third, other])

        self.reload({"http": {"max_clients": 3, "max_clients_per_address": 10}})
        before = self.refused("max_clients")
        held = [self.raw() for _ in range(3)]
        self.assertTrue(all(self.served(s) for s in held))
        fourth = self.raw()
        self.assertTrue(closed_at_once(fourth, 3), "max_clients 3 not applied")
        self.wait_closed(held + [fourth])
        # (wait_closed's own requests may be refused too while the held ones close)
        self.assertGreaterEqual(self.refused("max_clients"), before + 1)

    def test_broken_file_changes_nothing(self):
        self.reload({"http": {"header_limit_bytes": 1024, "max_clients_per_address": 2},
                     "limits": {"max_num_bits": 256}})
        self.assertEqual(self.status("/trng/randomNum/getRandom", headers=BIG_HEADERS), 431)
        # Everything relaxed, the log level quieter, and one bad key: none of it applies.
        self.write({"http": {"header_limit_bytes": 65536, "max_clients_per_address": 50,
                             "idle_timeout_ms": 100},
                    "limits": {"max_num_bits": 4096},
                    "log": {"level": "error"}},
                   extra="[http2]\nenabled = true\n")
        self.hup("the running configuration stays")
        line = [l for l in self.httpd.log_text().splitlines()
                if "the running configuration stays" in l][-1]
        self.assertRegex(line, r"trng-httpd\.toml:\d+: ")
        self.assertEqual(self.status("/trng/randomNum/getRandom", headers=BIG_HEADERS), 431)
        self.assertEqual(self.status("/trng/randomNum/getRandom?numBits=256"), 200)
        self.assertEqual(self.status("/trng/randomNum/getRandom?numBits=512"), 400)
        held = [self.raw() for _ in range(2)]
        self.assertTrue(all(self.served(s) for s in held))
        self.assertTrue(closed_at_once(self.raw(), 3), "max_clients_per_address changed")
        self.wait_closed(held)
        silent = self.raw()
        self.assertFalse(closed_at_once(silent, 1.0), "idle_timeout_ms changed")
        # Still at level info: a refused request logs an info line.
        self.assertEqual(self.status("/trng/randomNum/getRandom",
                                     headers={"Host": "elsewhere.example"}), 421)
        wait_for(lambda: "refused getRandom" in self.httpd.log_text().split(
            "the running configuration stays")[-1], "an info line after the broken reload")
        self.assertIsNone(self.httpd.proc.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
