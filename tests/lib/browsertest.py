# SPDX-License-Identifier: Apache-2.0
"""What the browser tests (051, 122, 126) share on the Python side: the check that Debian's
chromium, node and npm are here (else the test is skipped), playwright-core installed
once with `npm ci` in tests/051-httpd-browser (its package-lock.json pins it; all
tests use that node_modules through NODE_PATH), and running a node script that drives
chromium through chromium.js beside this file.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from egdtest import BUILD  # noqa: E402

PACKAGE_DIR = os.path.join(HERE, "..", "051-httpd-browser")
NODE_MODULES = os.path.join(PACKAGE_DIR, "node_modules")
SKIP = 77


def require_browser():
    """Exits 77 (skipped) without /usr/bin/chromium, node or npm; then makes sure
    playwright-core is installed."""
    if not (os.path.exists("/usr/bin/chromium") and shutil.which("node") and shutil.which("npm")):
        print("skipped: needs /usr/bin/chromium, node and npm")
        sys.exit(SKIP)
    if not os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PACKAGE_DIR, check=True,
                       stdout=subprocess.DEVNULL)


def artifacts_dir(test):
    """Where test `test` (e.g. "051-httpd-browser") leaves its screenshots: the build tree."""
    return os.path.join(BUILD, "test-artifacts", test)


def run_node(script, *args, timeout=180):
    """Runs `node script args...` with playwright-core on NODE_PATH; returns the
    CompletedProcess (text)."""
    env = dict(os.environ, NODE_PATH=NODE_MODULES)
    return subprocess.run(["node", script] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env)


def summary(result):
    """The JSON summary chromium.js's run() prints as the last line of stdout."""
    return json.loads(result.stdout.strip().splitlines()[-1])
