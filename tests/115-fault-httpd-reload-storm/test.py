#!/usr/bin/env python3
"""115-fault-httpd-reload-storm: 100 SIGHUPs to trng-httpd, alternating valid and
invalid configuration files, while clients request getRandom without pause on
keep-alive connections.

Invalid files (each must be logged as "file:line: ...; the running configuration stays"
and change nothing): an unknown key, an unknown table, a wrong type, a value out of
range, a TOML syntax error, a rate limit whose burst cannot hold a request, a PROXY
listener over TCP without trusted peers, and a directory where the file should be.
Valid files change live settings (limits, timeouts, log level, pollen) and
restart-only ones, which are kept with a warning: a listener on a port another
process holds, egdd's control socket in a directory that does not exist, a public
listener on a taken port.

Checks: trng-httpd never dies and answers a new connection after every reload; no
client connection is dropped (each client keeps its one connection throughout) and
every answer is a 200 with 128-bit numbers, none served twice; the running limits are
those of the last valid file; SIGTERM then stops it with exit code 0.
"""
import http.client
import os
import signal
import socket
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import httpdtest  # noqa: E402
from httpdtest import egdtest  # noqa: E402
from egdtest import wait_for  # noqa: E402

RELOADS = 100
CLIENTS = 4
APPLIED = "reload: configuration %s applied"
STAYS = "the running configuration stays"


class Client(threading.Thread):
    """getRandom on one keep-alive connection until stopped; any error ends it."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.answers = 0
        self.numbers = []
        self.error = None

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.connect()
            first = conn.sock
            while not self.stop.is_set():
                r = httpdtest.exchange(conn, "/trng/randomNum/getRandom?numBits=128&quantity=4")
                if r.status != 200:
                    raise RuntimeError("status %d: %r" % (r.status, r.body[:200]))
                if conn.sock is not first:
                    raise RuntimeError("the connection was replaced (dropped and reopened)")
                self.numbers += r.json()
                self.answers += 1
        except Exception as e:  # noqa: BLE001  (reported by the test)
            self.error = "%s: %s" % (type(e).__name__, e)
        finally:
            conn.close()


class ReloadStorm(httpdtest.EgddHttpdCase):
    prefix = "egdtest-115-"
    pool = 4096

    def settings(self):
        return {"log": {"level": "info"}}

    def setUp(self):
        super().setUp()
        # A port another process holds (a listener there cannot be bound).
        self.taken = socket.socket()
        self.taken.bind(("127.0.0.1", 0))
        self.taken.listen(1)
        self.addCleanup(self.taken.close)
        self.taken_port = self.taken.getsockname()[1]

    def base(self):
        h = self.httpd
        return {
            "http": {"listen": "127.0.0.1:%d" % h.port},
            "egdd": {"egd": "127.0.0.1:%d" % self.egd.port, "control": self.egd.control},
            "files": {"dir": h.files},
            "log": {"level": "info"},
        }

    def text(self, changes=None, extra=""):
        return egdtest.toml_text(self.base(), changes) + extra

    def valid_files(self):
        taken = "127.0.0.1:%d" % self.taken_port
        return [
            ("base", self.text({"limits": {"max_num_bits": 1024}})),
            ("live limits and timeouts",
             self.text({"http": {"header_limit_bytes": 4096, "idle_timeout_ms": 5000,
                                 "max_clients": 200, "request_timeout_ms": 3000},
                        "limits": {"max_num_bits": 2048, "max_quantity": 100},
                        "pollen": {"enabled": False}, "log": {"level": "debug"}})),
            ("listener on a taken port",
             self.text({"http": {"listen": ["127.0.0.1:%d" % self.httpd.port, taken]},
                        "limits": {"max_num_bits": 1024}})),
            ("control socket in a missing directory",
             self.text({"egdd": {"control": "/nonexistent-115/control.sock"},
                        "limits": {"max_num_bits": 1024}})),
            ("public listener on a taken port",
             self.text({"http": {"public_listen": [taken], "max_clients_per_address": 64},
                        "limits": {"max_num_bits": 1024}})),
        ]

    def invalid_files(self):
        return [
            ("unknown key", self.text({"http": {"no_such_key": 1}})),
            ("unknown table", self.text(extra="[no_such_table]\nx = 1\n")),
            ("wrong type", self.text({"http": {"max_clients": "many"}})),
            ("out of range", self.text({"http": {"header_limit_bytes": 10}})),
            ("TOML syntax", self.text(extra="[http\nmax_clients = 3\n")),
            ("burst below a request",
             self.text({"limits": {"client_rate_limit": 10, "client_burst": 1}})),
            ("PROXY over TCP without trusted peers",
             self.text({"http": {"public_listen": ["proxy:127.0.0.1:%d" % egdtest.free_port()]}})),
            ("a directory", None),
        ]

    def hup(self, marker):
        before = self.httpd.log_text().count(marker)
        self.httpd.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.httpd.log_text().count(marker) > before or
                 self.httpd.proc.poll() is not None, "'%s' in the log" % marker, timeout=15)
        self.assertIsNone(self.httpd.proc.poll(), "trng-httpd died:\n" + self.httpd.log_text())

    def test_storm(self):
        config = self.httpd.config
        applied = APPLIED % config
        clients = [Client(self.httpd.port) for _ in range(CLIENTS)]
        for c in clients:
            c.start()
        wait_for(lambda: all(c.answers > 0 or c.error for c in clients), "first answers")
        valid, invalid = self.valid_files(), self.invalid_files()
        t0 = time.monotonic()
        for i in range(RELOADS):
            if i % 2 == 0:
                name, text = valid[(i // 2) % len(valid)]
                with open(config, "w") as f:
                    f.write(text)
                self.hup(applied)
            else:
                name, text = invalid[(i // 2) % len(invalid)]
                if text is None:
                    with egdtest.directory_in_place_of(config):
                        self.hup(STAYS)
                else:
                    with open(config, "w") as f:
                        f.write(text)
                    self.hup(STAYS)
            r = self.httpd.api("getRandom?numBits=1024")
            self.assertEqual(r.status, 200, "after reload %d (%s): %r" % (i, name, r.body[:200]))
            errors = [c.error for c in clients if c.error]
            self.assertFalse(errors, "after reload %d (%s): %s" % (i, name, errors))
        storm = time.monotonic() - t0
        time.sleep(0.2)
        for c in clients:
            c.stop.set()
        for c in clients:
            c.join(30)
        errors = [c.error for c in clients if c.error]
        self.assertFalse(errors, "client connections failed: %s" % errors)
        log = self.httpd.log_text()
        self.assertEqual(log.count(applied), RELOADS // 2)
        stays = [l for l in log.splitlines() if STAYS in l]
        self.assertEqual(len(stays), RELOADS // 2)
        for line in stays:
            self.assertRegex(line, r"trng-httpd\.toml(:\d+)?: ")
        for key in ("http.listen", "http.public_listen", "egdd.control"):
            self.assertIn("reload: %s changed; it takes effect at the next restart" % key, log)
        # The last valid file (reload 98: valid[49 % 5], the public listener) is running.
        self.assertEqual(self.httpd.api("getRandom?numBits=1024").status, 200)
        self.assertEqual(self.httpd.api("getRandom?numBits=1025").status, 400)
        numbers = [n for c in clients for n in c.numbers]
        self.assertEqual(len(numbers), len(set(numbers)), "a number was served twice")
        answers = [c.answers for c in clients]
        self.assertTrue(all(a >= 10 for a in answers), "clients starved: %s" % answers)
        print("%d reloads in %.1f s; %d getRandom answers on %d connections, none dropped"
              % (RELOADS, storm, sum(answers), CLIENTS))


if __name__ == "__main__":
    unittest.main(verbosity=2)
