#!/usr/bin/env python3
"""113-fault-httpd-testdata: generateTestdata on a full disk or an unusable files
directory answers 555 (the manual's code for an error during generation) with a JSON
message naming the directory and the cause, leaves no partial file behind, and
trng-httpd keeps running: getRandom, downloadFile of earlier files and, once the fault
is gone, generateTestdata work again.

A file is deleted once downloaded; when that deletion fails (a read-only directory) it
is retried until it succeeds, and the file is never served again.

Faults: the files directory is a 64 KiB tmpfs (a file larger than that; then the disk
filled by another file), a read-only bind mount of itself, a regular file in its place,
and missing altogether (removed while trng-httpd runs: it is made again, 0700). Startup
with a regular file in its place fails with a message naming it. Mounts are made in a
private mount namespace (the test re-runs itself under `unshare --mount`), so none can
outlive the test.
"""
import os
import shutil
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import httpdtest  # noqa: E402
from httpdtest import egdtest  # noqa: E402

NS_MARK = "EGD_TEST_PRIVATE_MOUNTS"


def reexec_in_private_mount_namespace():
    """Re-runs this script in a new mount namespace (same pid); exits 77 if impossible."""
    if os.environ.get(NS_MARK) == "1":
        return
    unshare = shutil.which("unshare")
    probe = unshare and subprocess.run([unshare, "--mount", "--propagation", "private", "true"],
                                       capture_output=True)
    if not probe or probe.returncode != 0:
        print("cannot create a mount namespace (needs root / CAP_SYS_ADMIN): skipped")
        sys.exit(77)
    os.environ[NS_MARK] = "1"
    os.execv(unshare, [unshare, "--mount", "--propagation", "private", sys.executable,
                       os.path.abspath(__file__)] + sys.argv[1:])


def mount(*args):
    subprocess.run(["mount"] + list(args), check=True, capture_output=True)


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def umount(path):
    """Unmounts everything mounted on path (cleanup: nothing if the test already did)."""
    while mounted(path):
        subprocess.run(["umount", path], check=True, capture_output=True)


class TestdataFaultTest(httpdtest.EgddHttpdCase):
    prefix = "egdtest-113-"
    start_at_setup = False   # each test prepares the files directory first

    def setUp(self):
        super().setUp()
        self.files = self.httpd.files

    def generate(self, bits, filetype="bin", status=200, cause=None):
        r = self.httpd.api("generateTestdata?numBits=%d&filetype=%s" % (bits, filetype))
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.header("content-type"), "application/json")
        body = r.json()
        if cause:
            msg = body["message"]
            self.assertIn(cause, msg)
            self.assertIn(self.files, msg, "the message does not name the directory")
            print("\n%d: %s" % (r.status, msg), end="")
        return body

    def assert_still_serving(self):
        self.assertIsNone(self.httpd.proc.poll(), "trng-httpd died")
        r = self.httpd.api("getRandom?numBits=32&quantity=4")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(r.json()), 4)

    def names(self):
        return sorted(os.listdir(self.files))

    def test_full_disk(self):
        os.mkdir(self.files, 0o700)
        mount("-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", self.files)
        self.addCleanup(umount, self.files)
        self.start_httpd()
        for bits, filetype in ((800000, "bin"), (600000, "txt")):   # 100 kB, 600 kB
            self.generate(bits, filetype, 555, "No space left on device")
            self.assertEqual(self.names(), [], "a partial file was left")
            self.assert_still_serving()
        token = self.generate(8000)["token"]          # 1,000 bytes fit
        filler = os.path.join(self.files, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)   # someone else fills the disk
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        before = self.names()
        self.generate(8000, "bin", 555, "No space left on device")
        self.generate(8000, "txt", 555, "No space left on device")
        self.assertEqual(self.names(), before, "a partial file was left")
        r = self.httpd.api("downloadFile?token=" + token)   # earlier files are still served
        self.assertEqual((r.status, len(r.body)), (200, 1000))
        self.assertEqual(self.names(), ["filler"], "the downloaded file was not deleted")
        self.assert_still_serving()
        os.unlink(filler)
        new = self.generate(8000)["token"]
        self.assertEqual(len(self.httpd.api("downloadFile?token=" + new).body), 1000)

    def test_read_only_directory(self):
        self.start_httpd()
        token = self.generate(8000)["token"]
        mount("--bind", self.files, self.files)
        self.addCleanup(umount, self.files)
        mount("-o", "remount,bind,ro", self.files)
        before = self.names()
        self.generate(8000, "bin", 555, "Read-only file system")
        self.assertEqual(self.names(), before)
        self.assertEqual(self.httpd.api("downloadFile?token=" + token).status, 200)
        self.assertEqual(self.names(), before, "deleted on a read-only file system?")
        self.assertEqual(self.httpd.api("downloadFile?token=" + token).status, 555)  # served once
        self.assertIn("cannot delete", self.httpd.log_text())
        self.assert_still_serving()
        umount(self.files)
        egdtest.wait_for(lambda: self.names() == [], "the deletion to be retried", timeout=4)
        self.generate(8000)

    def test_directory_replaced_by_a_file(self):
        self.start_httpd()
        self.generate(8000)
        os.rename(self.files, self.files + ".away")
        with open(self.files, "w") as f:
            f.write("not a directory\n")
        self.generate(8000, "bin", 555, "Not a directory")
        self.assert_still_serving()
        os.unlink(self.files)
        os.rename(self.files + ".away", self.files)
        self.generate(8000)

    def test_directory_removed(self):
        self.start_httpd()
        self.generate(8000)
        shutil.rmtree(self.files)
        token = self.generate(8000)["token"]   # made again, private as at startup
        self.assertEqual(stat.S_IMODE(os.stat(self.files).st_mode), 0o700)
        self.assertEqual(len(self.httpd.api("downloadFile?token=" + token).body), 1000)
        self.assert_still_serving()

    def test_startup_with_a_file_in_place_of_the_directory(self):
        with open(self.files, "w") as f:
            f.write("not a directory\n")
        r = subprocess.run([httpdtest.TRNG_HTTPD, "--config", self.httpd.config],
                           capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(self.files, r.stderr)
        self.assertIn("Not a directory", r.stderr)


if __name__ == "__main__":
    reexec_in_private_mount_namespace()
    unittest.main(verbosity=2)
