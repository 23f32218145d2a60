#!/usr/bin/env python3
"""050-httpd-api: the manual's HTTP API (Appendix A) served by a real trng-httpd in
front of a real egdd whose device is a FIFO fed by the test: every endpoint, every
status code (200, 400, 404, 405, 409, 413, 431, 432, 503, 555), the numbers' format
and provenance (their bits are the device's bits), test data files, /metrics,
/healthz, the pollen endpoint, egdd going away, and a clean SIGTERM; the strict API
of issue 15 (unknown, misspelled and repeated parameters are 400 naming what the
endpoint accepts; HEAD wherever GET only reads; the limits at and beyond their edges,
and the page's inputs carrying them; docs/api.md). The trust chain
(issue 12: roles, Host and Origin checks, test data bound to its client, per-client
limits, PROXY listeners) is in trust.py, run with these."""
import hashlib
import html.parser
import os
import socket
import stat
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import httpdtest  # noqa: E402
from httpdtest import TrngHttpd, bits_of, egdtest, find_bits  # noqa: E402

GRAIN = egdtest.GRAIN

from trust import *  # noqa: E402,F401,F403  (the trust chain's test classes)


class HttpdCase(unittest.TestCase):
    """egdd (hwrng FIFO, standby, alarms stop output) + trng-httpd."""
    settings = {}
    initialise = True

    def setUp(self):
        self.dir = self.enterContext(egdtest.workdir(prefix="egdtest-050-"))
        self.fifo = egdtest.Fifo(os.path.join(self.dir, "device"))
        self.addCleanup(self.fifo.close)
        self.fed = bytearray()
        self.egd = egdtest.Egdd(self.dir, source={"kind": "hwrng", "path": self.fifo.path,
                                                  "autostart": False},
                                extra='[health]\non_alarm = "stop"\n').start()
        self.addCleanup(self.egd.stop)
        self.httpd = TrngHttpd(self.dir, self.egd, self.settings).start()
        self.addCleanup(self.stop_httpd)
        if self.initialise:
            self.feed(2 * GRAIN)
            self.assertEqual(self.httpd.api("init").status, 200)
            self.egd.wait_pool(2 * GRAIN)

    def stop_httpd(self):
        self.assertEqual(self.httpd.stop(), 0, self.httpd.log_text())

    def feed(self, n=GRAIN):
        self.fed += self.fifo.feed(n)

    def assert_json_error(self, reply, status, text):
        self.assertEqual(reply.status, status, reply.body)
        self.assertEqual(reply.header("content-type"), "application/json")
        self.assertIn(text, reply.json()["message"])


class ControlTest(HttpdCase):
    initialise = False

    def test_state_machine_and_codes(self):
        h = self.httpd
        self.assert_json_error(h.api("getRandom"), 432, "System not initialized")
        self.assert_json_error(h.api("generateTestdata"), 432, "System not initialized")
        self.assert_json_error(h.request("/pollen", "POST", b"challenge=ab"), 432, "not initialized")
        r = h.api("shutdown")
        self.assertEqual((r.status, r.json()["message"]), (409, "System already shut down"))
        self.feed(2 * GRAIN)  # restart from standby starts the device, as init does
        r = h.api("restart")
        self.assertEqual((r.status, r.json()["message"]),
                         (200, "System was in standby: initialised successfully"))
        self.assertTrue(r.json()["was_standby"])
        self.assertEqual(self.egd.status()["state"], "running")
        self.assertEqual(h.api("shutdown").status, 200)

        self.feed(2 * GRAIN)
        r = h.api("init")
        self.assertEqual((r.status, r.json()["message"]), (200, "System initialised successfully"))
        self.assertEqual(self.egd.status()["state"], "running")  # init waited for the startup test
        r = h.api("init")
        self.assertEqual((r.status, r.json()["message"]), (409, "System already initialized"))

        # The device restarts empty (egdd discards what it had read): data arrives while
        # restart waits for the startup test.
        feeder = threading.Timer(0.3, self.feed, args=(2 * GRAIN,))
        feeder.start()
        r = h.api("restart")
        feeder.join()
        self.assertEqual((r.status, r.json()["message"]), (200, "System successfully restarted"))
        self.assertNotIn("was_standby", r.json())
        self.assertEqual(self.egd.status()["state"], "running")

        r = h.api("shutdown")
        self.assertEqual((r.status, r.json()["message"]), (200, "System successfully shutdown"))
        self.assert_json_error(h.api("getRandom"), 432, "not initialized")  # no stale state
        self.assertEqual(self.egd.status()["state"], "standby")

    def test_init_that_never_completes_is_555_after_the_timeout(self):
        self.httpd.stop()
        self.httpd = TrngHttpd(self.dir, self.egd, {"egdd": {"init_timeout_ms": 800}}).start()
        start = time.time()
        r = self.httpd.api("init")  # no data: the startup test cannot finish
        elapsed = time.time() - start
        self.assert_json_error(r, 555, "did not initialize within 0.800 s")
        self.assertGreaterEqual(elapsed, 0.75)
        self.assertLess(elapsed, 5)
        self.feed(2 * GRAIN)  # the device starts producing: the same init completes
        egdtest.wait_for(lambda: self.egd.status()["state"] == "running", "running")
        self.assertEqual(self.httpd.api("getRandom?numBits=8").status, 200)


class RandomTest(HttpdCase):
    def numbers(self, query):
        r = self.httpd.api("getRandom" + query)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.header("content-type"), "application/json")
        self.assertEqual(r.header("cache-control"), "no-store")
        return r.json()

    def test_defaults_and_the_manuals_example(self):
        self.assertIn(self.numbers(""), (["0"], ["1"]))  # numBits=1, quantity=1
        nums = self.numbers("?numBits=24&quantity=3")
        self.assertEqual(len(nums), 3)
        for n in nums:
            self.assertRegex(n, r"^[0-9a-f]{6}$")
        self.assertTrue(find_bits("".join(bits_of(bytes.fromhex(n)) for n in nums), self.fed))
        nums = self.numbers("?numBits=128&quantity=10")  # the web page's defaults
        self.assertEqual([len(n) for n in nums], [32] * 10)

    def test_numbers_are_exactly_num_bits_of_the_devices_bits(self):
        nums = self.numbers("?numBits=13&quantity=5")  # 65 bits from 9 bytes
        for n in nums:
            self.assertRegex(n, r"^[01][0-9a-f]{3}$")  # padded: 4 digits, the first < 2
        bits = "".join(format(int(n, 16), "013b") for n in nums)
        self.assertTrue(find_bits(bits, self.fed), "bits not found in the device's output")
        self.assertFalse(find_bits(bits[:64] + ("1" if bits[64] == "0" else "0"), self.fed))

    def test_values_cover_the_whole_range(self):
        nums = self.numbers("?numBits=4&quantity=2000")
        self.assertEqual(set(nums), set("0123456789abcdef"))
        nums = self.numbers("?numBits=2&quantity=400")
        self.assertEqual(set(nums), {"0", "1", "2", "3"})

    def test_bad_parameters_are_400_naming_the_parameter_and_limit(self):
        cases = [("getRandom?numBits=0", "numBits", 65536), ("getRandom?numBits=-5", "numBits", 65536),
                 ("getRandom?numBits=abc", "numBits", 65536), ("getRandom?numBits=1.5", "numBits", 65536),
                 ("getRandom?numBits=65537", "numBits", 65536),
                 ("getRandom?numBits=99999999999999999999999999", "numBits", 65536),
                 ("getRandom?quantity=0", "quantity", 10000), ("getRandom?quantity=x", "quantity", 10000),
                 ("getRandom?quantity=10001", "quantity", 10000),
                 ("getRandom?numBits=65536&quantity=17", "quantity", 16),
                 ("generateTestdata?numBits=0", "numBits", 8388608),
                 ("generateTestdata?numBits=8388609", "numBits", 8388608)]
        for query, param, maximum in cases:
            r = self.httpd.api(query)
            self.assertEqual(r.status, 400, query)
            body = r.json()
            self.assertEqual(body["parameter"], param, query)
            self.assertEqual(body["maximum"], maximum, query)
            self.assertIn(param + " must be an integer from 1 to %d" % maximum, body["message"])
        r = self.httpd.api("generateTestdata?filetype=exe")
        self.assertEqual((r.status, r.json()["parameter"]), (400, "filetype"))

    def test_unknown_paths_404_and_wrong_methods_405(self):
        self.assert_json_error(self.httpd.api("getRandomNumbers"), 404, "no such endpoint")
        self.assert_json_error(self.httpd.request("/nothing/here"), 404, "not found")
        r = self.httpd.api("init", method="POST", body=b"")
        self.assertEqual((r.status, r.header("allow")), (405, "GET"))

    def test_testdata_files(self):
        h = self.httpd
        r = h.api("generateTestdata?numBits=400&filetype=bin")
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual(body["message"], "Generation successful")
        self.assertEqual(body["expires_in_s"], 600)
        token = body["token"]
        self.assertRegex(token, r"^[0-9a-f]{32}$")
        self.assertIn("trng_file=" + token, r.header("set-cookie"))
        self.assertEqual(stat.S_IMODE(os.stat(h.files).st_mode), 0o700)
        names = os.listdir(h.files)
        self.assertEqual(len(names), 1, names)  # no temporary files left
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(h.files, names[0])).st_mode), 0o600)
        # The manual's parameterless call no longer picks "the latest file from this
        # address" (behind stunnel that was everybody's): 555, saying what is needed.
        self.assert_json_error(h.api("downloadFile"), 555, "needs the token")
        d = h.api("downloadFile?token=" + token)
        self.assertEqual(d.status, 200)
        self.assertEqual(len(d.body), 50)
        self.assertEqual(d.header("content-type"), "application/octet-stream")
        self.assertEqual(d.header("content-disposition"), 'attachment; filename="testdata_400bits.bin"')
        self.assertEqual(d.header("cache-control"), "no-store")
        self.assertIn(d.body, self.fed)
        self.assertEqual(os.listdir(h.files), [], "a downloaded file must be deleted")
        self.assert_json_error(h.api("downloadFile?token=" + token), 555, "already downloaded")

        t = h.api("generateTestdata?numBits=1001&filetype=txt").json()["token"]
        d = h.api("downloadFile", headers={"Cookie": "trng_file=" + t})  # the browser's way
        self.assertEqual(d.header("content-type"), "text/plain")
        self.assertRegex(d.body.decode(), r"^[01]{1001}\n$")
        self.assertTrue(find_bits(d.body.decode().strip(), self.fed))
        self.assertEqual(os.listdir(h.files), [])
        self.assert_json_error(h.api("downloadFile?token=" + "0" * 32), 555, "no such test data file")
        self.assert_json_error(h.api("downloadFile?token=../../etc/passwd"), 400, "32 hex digits")

    def test_concurrent_users_get_their_own_files(self):
        self.feed(4 * GRAIN)
        results = {}

        def user(i):
            bits = 8000 + 8 * i
            token = self.httpd.api("generateTestdata?numBits=%d" % bits).json()["token"]
            results[i] = (bits, self.httpd.api("downloadFile?token=" + token))

        threads = [threading.Thread(target=user, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bodies = set()
        for bits, reply in results.values():
            self.assertEqual(reply.status, 200)
            self.assertEqual(len(reply.body), bits // 8)
            self.assertIn(reply.body, self.fed)
            bodies.add(reply.body)
        self.assertEqual(len(bodies), 8)
        self.assertEqual(os.listdir(self.httpd.files), [])  # each deleted once downloaded

    def test_page_pollen_and_keepalive(self):
        h = self.httpd
        page = h.request("/")
        self.assertEqual(page.status, 200)
        self.assertEqual(page.header("content-type"), "text/html; charset=utf-8")
        for marker in (b'id="tab-system"', b'id="tab-generate"', b'id="tab-download"', b'value="128"',
                       b'value="10"', b'value="5000"'):
            self.assertIn(marker, page.body)
        self.assertIn("default-src 'self'", page.header("content-security-policy"))
        self.assertEqual(h.request("/app.js").header("content-type"), "text/javascript; charset=utf-8")
        self.assertEqual(h.request("/style.css").status, 200)

        for path in ("/", "/pollen"):
            r = h.request(path, "POST", b"challenge=abc",
                          {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(r.status, 200, r.body)
            lines = r.body.decode().split("\n")
            self.assertEqual(lines[0], hashlib.sha512(b"abc").hexdigest())
            self.assertRegex(lines[1], r"^[0-9a-f]{128}$")
            self.assertEqual(lines[2], "")
        self.assert_json_error(h.request("/pollen", "POST", b""), 400, "missing challenge")

        conn = httpdtest.http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
        h.request("/healthz", conn=conn)
        sock = conn.sock
        for _ in range(5):
            self.assertEqual(h.api("getRandom?numBits=8", conn=conn).status, 200)
        self.assertIs(conn.sock, sock, "keep-alive connection was closed")
        conn.close()

    def test_request_size_limits_and_garbage(self):
        h = self.httpd
        r = h.request("/healthz", headers={"X-Big": "a" * 10000})
        self.assertEqual(r.status, 431)
        r = h.request("/pollen", "POST", b"challenge=" + b"a" * 20000)
        self.assertEqual(r.status, 413)
        with socket.create_connection(("127.0.0.1", h.port), timeout=5) as s:
            s.sendall(b"GARBAGE\r\n\r\n")
            self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 400"))
        self.assertEqual(h.request("/healthz").status, 200)  # still serving

    def test_metrics_and_healthz(self):
        h = self.httpd
        before = h.metrics()
        for _ in range(3):
            h.api("getRandom?numBits=16&quantity=4")
        h.api("getRandom?numBits=0")
        h.api("getRandom?numBits=x")
        m = h.metrics()
        key = 'trng_httpd_requests_total{endpoint="getRandom",code="%d"}'
        self.assertEqual(m[key % 200] - before.get(key % 200, 0), 3)
        self.assertEqual(m[key % 400] - before.get(key % 400, 0), 2)
        self.assertEqual(m['trng_httpd_requests_total{endpoint="init",code="200"}'], 1)
        self.assertEqual(m["trng_egdd_up"], 1)
        self.assertEqual(m['trng_device_state{state="running"}'], 1)
        self.assertEqual(m['trng_device_state{state="standby"}'], 0)
        self.assertGreaterEqual(m["trng_httpd_random_bytes_total"] - before["trng_httpd_random_bytes_total"], 24)
        self.assertGreaterEqual(m["trng_egdd_bytes_served_total"], m["trng_httpd_random_bytes_total"])
        self.assertGreaterEqual(m["trng_httpd_clients"], 1)
        self.assertEqual(m["trng_egdd_alarms_total"], 0)
        r = h.request("/healthz")
        self.assertEqual((r.status, r.json()["egdd"]), (200, "running"))


# Every endpoint with the parameters it accepts (docs/api.md); unknown, misspelled
# and repeated names are 400 naming these.
ACCEPTED = {
    "/trng/randomNum/getRandom": ["numBits", "quantity"],
    "/trng/randomNum/generateTestdata": ["numBits", "filetype"],
    "/trng/randomNum/downloadFile": ["token"],
    "/trng/randomNum/init": [],
    "/trng/randomNum/shutdown": [],
    "/trng/randomNum/restart": [],
    "/trng/randomNum/status": [],
    "/metrics": [],
    "/healthz": [],
    "/pollen": ["challenge"],
}
MISSPELLED = {"numBits": "numbits", "quantity": "Quantity", "filetype": "fileType",
              "token": "Token", "challenge": "Challenge"}
VALID = {"numBits": "8", "quantity": "2", "filetype": "txt", "token": "0" * 32, "challenge": "ab"}


class StrictApiTest(HttpdCase):
    """Issue 15: a strict API. Nothing a refused request names is done: no state
    changes, no entropy is taken."""

    def assert_strict_400(self, path, parameter, accepted):
        r = self.httpd.request(path)
        self.assertEqual(r.status, 400, path)
        body = r.json()
        self.assertEqual((body["parameter"], body["accepted"]), (parameter, accepted), path)
        endpoint = path.split("?")[0].rsplit("/", 1)[1]
        expected = (endpoint + " accepts " + ", ".join(accepted)) if accepted \
            else endpoint + " takes no parameters"
        self.assertIn(expected, body["message"], path)
        return body["message"]

    def test_unknown_misspelled_and_repeated_parameters_on_every_endpoint(self):
        before = self.httpd.metrics()
        for path, accepted in ACCEPTED.items():
            self.assert_strict_400(path + "?colour=blue", "colour", accepted)
            self.assert_strict_400(path + "?flag", "flag", accepted)
            for name in accepted:
                wrong = MISSPELLED[name]
                message = self.assert_strict_400(
                    "%s?%s=%s" % (path, wrong, VALID[name]), wrong, accepted)
                self.assertIn("did you mean '%s'?" % name, message)
                message = self.assert_strict_400(
                    "%s?%s=%s&%s=%s" % (path, name, VALID[name], name, VALID[name]), name, accepted)
                self.assertIn("given more than once", message)
        # The two examples, word for word.
        message = self.assert_strict_400("/trng/randomNum/getRandom?numbits=8", "numbits",
                                         ["numBits", "quantity"])
        self.assertEqual(message, "unknown parameter 'numbits' (did you mean 'numBits'?); "
                                  "getRandom accepts numBits, quantity")
        self.assert_strict_400("/trng/randomNum/getRandom?numBits=8&numBits=16", "numBits",
                               ["numBits", "quantity"])
        # A challenge in the query and in pollinate's form body is given twice.
        r = self.httpd.request("/pollen?challenge=ab", "POST", b"challenge=cd",
                               {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((r.status, r.json()["parameter"]), (400, "challenge"))
        # Refused means not done: still running, no entropy served, no file written.
        self.assertEqual(self.egd.status()["state"], "running")
        after = self.httpd.metrics()
        self.assertEqual(after["trng_httpd_random_bytes_total"], before["trng_httpd_random_bytes_total"])
        self.assertEqual(os.listdir(self.httpd.files), [])
        key = 'trng_httpd_requests_total{endpoint="getRandom",code="400"}'
        self.assertEqual(after[key] - before.get(key, 0), 2 + 2 * 2 + 2)
        # The page ignores its query string: bookmarks and link shorteners add theirs.
        self.assertEqual(self.httpd.request("/?utm_source=mail").status, 200)
        self.assertEqual(self.httpd.request("/app.js?v=2").status, 200)

    def test_strictness_changes_nothing_in_standby_and_keeps_the_manuals_codes(self):
        self.assertEqual(self.httpd.api("shutdown").status, 200)
        self.assert_strict_400("/trng/randomNum/init?force=1", "force", [])
        self.assertEqual(self.egd.status()["state"], "standby")  # not initialised
        self.assert_json_error(self.httpd.api("getRandom?numBits=8&quantity=2"), 432,
                               "not initialized")  # the manual's case keeps its code
        self.assert_json_error(self.httpd.api("shutdown"), 409, "already shut down")
        self.assert_json_error(self.httpd.api("downloadFile"), 555, "needs the token")

    def test_head_wherever_get_only_reads(self):
        h = self.httpd
        conn = httpdtest.http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
        for path in ("/", "/index.html", "/app.js", "/style.css", "/favicon.svg", "/healthz",
                     "/trng/randomNum/status"):
            get = h.request(path, conn=conn)
            head = h.request(path, "HEAD", conn=conn)  # keep-alive: no stray body follows
            self.assertEqual(head.status, get.status, path)
            self.assertEqual(head.body, b"", path)
            for name in ("content-type", "content-length", "cache-control", "content-security-policy",
                         "x-frame-options", "x-content-type-options"):
                if path == "/trng/randomNum/status" and name == "content-length":
                    # egdd's status moves between the two requests (state_for_s, to the
                    # millisecond): HEAD states the length of a body made when it came.
                    self.assertGreater(int(head.header(name)), 100, path)
                    continue
                self.assertEqual(head.header(name), get.header(name), (path, name))
        head = h.request("/metrics", "HEAD", conn=conn)
        self.assertEqual((head.status, head.body), (200, b""))
        self.assertEqual(head.header("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        self.assertGreater(int(head.header("content-length")), 100)

        before = h.metrics()["trng_httpd_random_bytes_total"]
        get = h.api("getRandom?numBits=24&quantity=3", conn=conn)
        head = h.api("getRandom?numBits=24&quantity=3", method="HEAD", conn=conn)
        self.assertEqual((head.status, head.body), (200, b""))
        self.assertEqual(head.header("content-length"), get.header("content-length"))
        self.assertEqual(head.header("content-type"), "application/json")
        self.assertEqual(head.header("cache-control"), "no-store")
        self.assertEqual(h.metrics()["trng_httpd_random_bytes_total"] - before, 18)  # read, then wiped
        self.assertEqual(h.api("getRandom?numbits=8", method="HEAD", conn=conn).status, 400)
        self.assertEqual(h.request("/nothing", "HEAD", conn=conn).status, 404)
        conn.close()

        # A GET that changes state (or serves a file once) takes no HEAD: 405, nothing done.
        token = h.api("generateTestdata?numBits=80").json()["token"]
        for endpoint in ("init", "shutdown", "restart", "generateTestdata",
                         "downloadFile?token=" + token):
            r = h.api(endpoint, method="HEAD")
            self.assertEqual((r.status, r.header("allow"), r.body), (405, "GET", b""), endpoint)
        self.assertEqual(self.egd.status()["state"], "running")
        self.assertEqual(len(os.listdir(h.files)), 1)
        self.assertEqual(h.api("downloadFile?token=" + token).status, 200)  # still there once
        r = h.request("/metrics", "DELETE")
        self.assertEqual((r.status, r.header("allow")), (405, "GET, HEAD"))

    def test_head_in_standby_answers_like_get(self):
        self.assertEqual(self.httpd.api("shutdown").status, 200)
        r = self.httpd.api("getRandom?numBits=8", method="HEAD")
        self.assertEqual((r.status, r.body), (432, b""))
        self.assertEqual(int(r.header("content-length")),
                         len(self.httpd.api("getRandom?numBits=8").body))


class LimitsTest(httpdtest.EgddHttpdCase):
    """The default limits (docs/api.md) at and just beyond their edges, on a fast
    source; the page's inputs carry the same limits as the API's 400 answers."""
    prefix = "egdtest-050-"

    def test_limits_at_and_beyond_their_edges(self):
        h = self.httpd
        at = [("getRandom?numBits=65536", 1, 16384),          # 65,536 bits a number
              ("getRandom?numBits=1&quantity=10000", 10000, 1),  # 10,000 numbers
              ("getRandom?numBits=128&quantity=8192", 8192, 32)]  # 1 Mbit a request
        for query, count, digits in at:
            r = h.api(query)
            self.assertEqual(r.status, 200, query)
            self.assertEqual([len(n) for n in r.json()], [digits] * count, query)
        beyond = [("getRandom?numBits=65537", "numBits", 65536),
                  ("getRandom?numBits=1&quantity=10001", "quantity", 10000),
                  ("getRandom?numBits=128&quantity=8193", "quantity", 8192),
                  ("getRandom?numBits=65536&quantity=17", "quantity", 16),
                  ("generateTestdata?numBits=8388609", "numBits", 8388608)]
        for query, parameter, maximum in beyond:
            body = h.api(query).json()
            self.assertEqual((body["parameter"], body["maximum"]), (parameter, maximum), query)
        self.assertIn("at most 1048576 bits per request",
                      h.api("getRandom?numBits=128&quantity=8193").json()["message"])
        r = h.api("generateTestdata?numBits=8388608")  # 8 Mbit a file: 1 MiB
        self.assertEqual(r.status, 200, r.body)
        d = h.api("downloadFile?token=" + r.json()["token"])
        self.assertEqual((d.status, len(d.body)), (200, 1048576))

    def test_page_inputs_carry_the_apis_limits(self):
        inputs = page_inputs(self.httpd.request("/").body.decode())
        # input id -> the request that exceeds its max by one, and the parameter refused
        for ident, query, parameter in (
                ("bits", "getRandom?numBits=%d", "numBits"),
                ("numbers", "getRandom?numBits=1&quantity=%d", "quantity"),
                ("file-bits", "generateTestdata?numBits=%d", "numBits")):
            attrs = inputs[ident]
            self.assertEqual((attrs["name"], attrs["min"], attrs["type"]), (parameter, "1", "number"))
            self.assertIn("required", attrs)
            body = self.httpd.api(query % (int(attrs["max"]) + 1)).json()
            self.assertEqual((body["parameter"], body["maximum"], body["minimum"]),
                             (parameter, int(attrs["max"]), 1), ident)
        self.assertEqual(inputs["filetype"]["name"], "filetype")


def page_inputs(text):
    """{id: {attribute: value}} of the page's input and select elements."""
    class Inputs(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = {}

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag in ("input", "select") and "id" in attrs:
                self.found[attrs["id"]] = attrs

    parser = Inputs()
    parser.feed(text)
    return parser.found


class SlowDeviceTest(HttpdCase):
    settings = {"egdd": {"random_timeout_ms": 1500}}

    def test_more_than_the_device_supplies_is_503_after_the_timeout(self):
        start = time.time()
        r = self.httpd.api("getRandom?numBits=65536&quantity=16")  # 128 KiB; the pool holds 25 KiB
        elapsed = time.time() - start
        self.assert_json_error(r, 503, "of 131072 random bytes arrived within 1.500 s")
        self.assertEqual(r.header("retry-after"), "10")
        self.assertGreaterEqual(elapsed, 1.4)
        self.assertLess(elapsed, 6)
        self.feed(2 * GRAIN)  # the device catches up: service resumes
        r = self.httpd.api("getRandom?numBits=64&quantity=4")
        self.assertEqual(r.status, 200, r.body)


class AlarmTest(HttpdCase):
    def test_health_alarm_is_555(self):
        self.fifo.write(bytes(GRAIN))  # the device is stuck at 0: repetition count alarm
        egdtest.wait_for(lambda: self.egd.status()["state"] == "failed", "failed", timeout=10)
        time.sleep(0.3)  # the status cache (250 ms) catches up
        r = self.httpd.api("getRandom?numBits=8")
        self.assert_json_error(r, 555, "device state is failed")
        self.assertEqual(self.httpd.request("/healthz").status, 503)
        m = self.httpd.metrics()
        self.assertEqual(m['trng_device_state{state="failed"}'], 1)
        self.assertGreaterEqual(m["trng_egdd_alarms_total"], 1)
        self.assertEqual(self.httpd.api("generateTestdata").status, 555)


class EgddDownTest(HttpdCase):
    def test_egdd_going_away_is_555_never_a_crash(self):
        waiting = {}

        def big_read():  # waits for bytes when egdd dies
            waiting["reply"] = self.httpd.api("getRandom?numBits=65536&quantity=16")

        t = threading.Thread(target=big_read)
        t.start()
        time.sleep(0.5)
        self.egd.stop()
        t.join(timeout=10)
        self.assertFalse(t.is_alive(), "a read pending when egdd stopped never finished")
        self.assert_json_error(waiting["reply"], 555, "egdd")
        time.sleep(0.3)
        for endpoint in ("getRandom", "generateTestdata", "init", "shutdown", "restart"):
            self.assert_json_error(self.httpd.api(endpoint), 555, "egdd")
        r = self.httpd.request("/healthz")
        self.assertEqual((r.status, r.json()["egdd"]), (503, "unreachable"))
        self.assertEqual(self.httpd.metrics()["trng_egdd_up"], 0)
        self.assertIsNone(self.httpd.proc.poll())


class UnixSocketAndShutdownTest(unittest.TestCase):
    def test_egd_over_unix_socket_and_sigterm_with_clients(self):
        with egdtest.workdir(prefix="egdtest-050-") as d, \
                egdtest.Egdd(d, source={"kind": "os"}) as egd:
            egd.wait_pool(1000)
            h = TrngHttpd(d, egd, unix_egd=True).start()
            try:
                r = h.api("getRandom?numBits=32&quantity=2")
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(h.api("generateTestdata").status, 200)
                self.assertEqual(len(os.listdir(h.files)), 1)
                idle = socket.create_connection(("127.0.0.1", h.port))  # idle keep-alive client
                start = time.time()
                self.assertEqual(h.stop(), 0)
                self.assertLess(time.time() - start, 5)
                idle.close()
                self.assertEqual(os.listdir(h.files), [])  # test data deleted at exit
            finally:
                h.kill()


class CheckConfigTest(unittest.TestCase):
    def test_check_config(self):
        example = os.path.join(os.path.dirname(__file__), "../../httpd/trng-httpd.example.toml")
        r = egdtest.check_config(httpdtest.TRNG_HTTPD, example)
        self.assertEqual(r.returncode, 0, r.stderr)
        with egdtest.workdir() as d:
            bad = os.path.join(d, "bad.toml")
            r = egdtest.check_config(httpdtest.TRNG_HTTPD, bad, '[http]\nlisten = "127.0.0.1:8000"'
                                     '\n\n[limits]\nmax_num_bits = 0\n')
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr.strip(),
                             bad + ":5: limits.max_num_bits: 0 is out of range [1, 16777216]")
            r = subprocess.run([httpdtest.TRNG_HTTPD, "--bogus"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
