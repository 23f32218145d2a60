#!/usr/bin/env python3
"""051-httpd-browser: Debian's chromium, driven by playwright-core (npm), uses
trng-httpd's web page the way the manual's step-by-step instructions do, on the
operator listener: System -> Initialize, Generate 3 numbers of 24 bits, Download a
400-bit .bin file. Checks what the page shows, that the numbers and the file are the
device's bits, and the file's size (50 bytes). Then the page on a public listener: the
System tab says that control needs the operator service, its buttons are disabled, and
a shutdown called anyway is refused (403) with egdd still running. Then a page of
another site (http://localhost:PORT, served here) makes chromium call shutdown and
getRandom on the operator listener (fetch, img): refused as cross-site, nothing
changes, no entropy leaves. Screenshots go to the build tree
(test-artifacts/051-httpd-browser).

Needs /usr/bin/chromium and node (else skipped, exit 77); runs `npm ci` here when
node_modules is missing (package-lock.json pins playwright-core; tests/lib/browsertest.py,
which 122 uses too)."""
import contextlib
import functools
import http.server
import os
import shutil
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import browsertest  # noqa: E402
from httpdtest import TrngHttpd, bits_of, egdtest, find_bits  # noqa: E402


EVIL_PAGE = """<!doctype html><title>a page of another site</title><script>
window.results = {};
const target = "http://127.0.0.1:%(port)d/trng/randomNum/";
const shutdown = fetch(target + "shutdown", {mode: "no-cors", cache: "no-store"})
  .then(() => "sent", (e) => "failed: " + e);
const image = new Promise((done) => {
  const img = new Image();
  img.onload = () => done("loaded");
  img.onerror = () => done("error");
  img.src = target + "getRandom?numBits=64";
});
Promise.all([shutdown, image]).then(([s, i]) => {
  window.results = {shutdown: s, image: i};
  document.title = "done";
});
</script>"""


@contextlib.contextmanager
def foreign_site(directory, httpd_port):
    """Serves a page of another site on 127.0.0.1, to be browsed as http://localhost:PORT
    (localhost and 127.0.0.1 are different sites)."""
    with open(os.path.join(directory, "evil.html"), "w") as f:
        f.write(EVIL_PAGE % {"port": httpd_port})
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://localhost:%d/evil.html" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class BrowserTest(unittest.TestCase):
    def test_manual_walkthrough_in_chromium(self):
        out = browsertest.artifacts_dir("051-httpd-browser")
        shutil.rmtree(out, ignore_errors=True)
        with egdtest.workdir(prefix="egdtest-051-") as d:
            data = os.path.join(d, "device.bin")
            fed = egdtest.write_random_file(data, 20 * egdtest.GRAIN)
            public = egdtest.free_port()
            site = os.path.join(d, "site")
            os.mkdir(site)
            with egdtest.Egdd(d, source={"kind": "file", "path": data, "autostart": False,
                                         "replay": True}) as egd, \
                    TrngHttpd(d, egd, {"http": {"listen": [],
                                                "public_listen": ["127.0.0.1:%d" % public]}}) as httpd, \
                    foreign_site(site, httpd.port) as evil:
                self.assertEqual(egd.status()["state"], "standby")
                r = browsertest.run_node(os.path.join(HERE, "browser.js"), httpd.url,
                                         "http://127.0.0.1:%d" % public, evil, out)
                self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
                s = browsertest.summary(r)
                self.check_page(s, fed)
                self.check_public(s)
                self.assertEqual(s["foreign"], {"shutdown": "sent", "image": "error"})
                self.assertEqual(egd.status()["state"], "running")
                m = httpd.metrics()
                for endpoint in ("init", "getRandom", "generateTestdata", "downloadFile"):
                    self.assertEqual(m['trng_httpd_requests_total{endpoint="%s",code="200"}'
                                       % endpoint], 1, endpoint)
                self.assertEqual(m['trng_httpd_requests_total{endpoint="init",code="409"}'], 1)
                self.assertEqual(m['trng_httpd_requests_total{endpoint="getRandom",code="400"}'], 1)
                self.assertEqual(m['trng_httpd_requests_total{endpoint="shutdown",code="403"}'], 2)
                self.assertEqual(m['trng_httpd_requests_refused_total{reason="role"}'], 1)
                self.assertEqual(m['trng_httpd_requests_refused_total{reason="cross_site"}'], 2)
                self.assertEqual(m.get('trng_httpd_requests_total{endpoint="shutdown",code="200"}', 0), 0)
        print("screenshots:", ", ".join(sorted(os.listdir(out))), "in", out)

    def check_public(self, s):
        self.assertIn("Control is not available here", s["public_note"])
        self.assertIn("operator client certificate", s["public_note"])
        self.assertEqual(s["public_buttons_disabled"], [True, True, True])
        self.assertEqual(s["public_shutdown"]["status"], 403)
        self.assertIn("needs the operator listener", s["public_shutdown"]["body"]["message"])

    def check_page(self, s, fed):
        # The second init's 409 and the API's 400 are logged by chromium as failed
        # resources; nothing else may be.
        self.assertEqual([e for e in s["console_errors"]
                          if "409 (Conflict)" not in e and "400 (Bad Request)" not in e], [])
        self.assertTrue(s["bits_overflow"])  # max="65536": the browser did not send it
        self.assertEqual(s["too_many"], "Error 400: quantity must be an integer from 1 to 8192; "
                                        "got 9000 (numBits=128: at most 1048576 bits per request)")
        self.assertEqual((s["too_many_invalid"], s["too_many_focus"]), ("true", "numbers"))
        self.assertIsNone(s["invalid_after"])  # cleared by the next submit
        self.assertEqual(s["title"], "True Random Number Generator")
        self.assertTrue(s["start_tab_visible"])
        self.assertEqual(s["defaults"], {"bits": "128", "numbers": "10"})
        self.assertEqual(s["init"], "System initialised successfully")
        self.assertIn("running", s["device"])
        self.assertEqual(s["init_again"], "Error 409: System already initialized")
        self.assertEqual(s["generate"], "Random numbers generated successfully")
        self.assertEqual(len(s["numbers"]), 3)
        for n in s["numbers"]:
            self.assertRegex(n, r"^[0-9A-F]{6}$")  # 24 bits: six hex digits
        self.assertTrue(find_bits(bits_of(bytes.fromhex("".join(s["numbers"]))), fed))
        self.assertEqual(s["file"], "File successfully generated")
        self.assertEqual(s["filename"], "testdata_400bits.bin")
        self.assertEqual(s["file_size"], 50)
        with open(s["file_path"], "rb") as f:
            self.assertIn(f.read(), fed)


if __name__ == "__main__":
    browsertest.require_browser()
    unittest.main(verbosity=2)
