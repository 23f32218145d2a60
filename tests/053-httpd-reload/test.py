#!/usr/bin/env python3
"""053-httpd-reload: SIGHUP makes trng-httpd re-read its configuration.

  * A valid new file applies at once: a getRandom limit raised from 64 to 256 bits
    turns a 400 into a 200, a name added to allowed_hosts turns its 421 into a 200, a
    per-client rate limit turns a second large request into a 429, and a log level
    raised to "warning" drops info lines (those of control commands).
  * Settings bound to sockets (http.listen and http.public_listen here) are kept until
    a restart, with a warning naming them: trng-httpd still answers on the old port,
    not the new ones.
  * A broken file is reported as file:line and changes nothing: the running limits
    stay, the process keeps serving.
"""
import os
import signal
import socket
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import httpdtest  # noqa: E402
from httpdtest import egdtest  # noqa: E402
from egdtest import wait_for  # noqa: E402


def random_status(httpd, bits):
    return httpd.api("getRandom?numBits=%d" % bits).status


def rewrite(path, old, new):
    with open(path) as f:
        text = f.read()
    assert old in text, old
    with open(path, "w") as f:
        f.write(text.replace(old, new))


class ReloadTest(unittest.TestCase):
    def test_sighup(self):
        with egdtest.workdir("egdtest-053-") as wd:
            src = os.path.join(wd, "random.bin")
            egdtest.write_random_file(src, 256 * 1024)
            with egdtest.Egdd(wd, source={"kind": "file", "path": src, "replay": True},
                              wait_bytes=4096) as egd:
                settings = {"limits": {"max_num_bits": 64}, "log": {"level": "info"},
                            "http": {"allowed_hosts": []}}
                with httpdtest.TrngHttpd(wd, egd, settings) as httpd:
                    self.assertEqual(random_status(httpd, 64), 200)
                    self.assertEqual(random_status(httpd, 256), 400)
                    httpd.api("init")
                    self.assertIn("control: init", httpd.log_text())
                    self.reload_valid(httpd)
                    self.reload_broken(httpd)
                    self.assertIsNone(httpd.proc.poll(), "trng-httpd died")

    def hup_and_wait(self, httpd, marker):
        before = httpd.log_text().count(marker)
        httpd.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: httpd.log_text().count(marker) > before, "'%s' in the log" % marker)

    def reload_valid(self, httpd):
        old_port = httpd.port
        new_port, public_port = egdtest.free_port(), egdtest.free_port()
        host = {"Host": "trng.example"}
        self.assertEqual(httpd.api("getRandom", headers=host).status, 421)
        # A rate limit needs a bucket that holds the largest request (here 131072 bytes).
        rewrite(httpd.config, "max_num_bits = 64", "max_num_bits = 256\nclient_rate_limit = 100000\n"
                "client_burst = 131072\nmax_testdata_bits = 1048576")
        rewrite(httpd.config, "127.0.0.1:%d" % old_port, "127.0.0.1:%d" % new_port)
        rewrite(httpd.config, "allowed_hosts = []",
                'allowed_hosts = ["trng.example"]\npublic_listen = ["127.0.0.1:%d"]' % public_port)
        rewrite(httpd.config, 'level = "info"', 'level = "warning"')
        self.hup_and_wait(httpd, "reload: configuration")
        for key in ("http.listen", "http.public_listen"):
            self.assertIn("reload: %s changed; it takes effect at the next restart" % key,
                          httpd.log_text())
        self.assertEqual(random_status(httpd, 256), 200, "the raised limit applies")
        self.assertEqual(random_status(httpd, 257), 400)
        self.assertEqual(httpd.api("getRandom", headers=host).status, 200, "allowed_hosts applies")
        big = "getRandom?numBits=256&quantity=4096"  # 131072 bytes: the whole burst
        self.assertEqual(httpd.api(big).status, 200)
        self.assertEqual(httpd.api(big).status, 429, "the rate limit applies")
        for port in (new_port, public_port):
            with self.assertRaises(OSError, msg="nothing may listen on the new ports yet"):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
        httpd.api("init")
        self.assertNotIn("control: init", httpd.log_text().split("reload: configuration")[-1],
                         "an info line after the log level became warning")

    def reload_broken(self, httpd):
        rewrite(httpd.config, "max_num_bits = 256", "max_num_bits = -5")
        self.hup_and_wait(httpd, "the running configuration stays")
        line = [l for l in httpd.log_text().splitlines() if "the running configuration stays" in l][-1]
        self.assertRegex(line, r"trng-httpd\.toml:\d+: limits\.max_num_bits")
        self.assertEqual(random_status(httpd, 256), 200, "the running limit stays")
        self.assertEqual(random_status(httpd, 257), 400)


if __name__ == "__main__":
    unittest.main(verbosity=2)
