# SPDX-License-Identifier: Apache-2.0
"""trng-sim (the device simulator, firmware/) as the tests run it (040, 041): a
pseudo-terminal behind a stable --link path, and its control socket, which takes one
command a line and answers with one line (also run-stack's, stacktest.py).

Binary from the environment (set by ctest): TRNG_SIM.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import egdtest  # noqa: E402

TRNG_SIM = os.environ.get("TRNG_SIM", os.path.join(HERE, "../../build/firmware/trng-sim"))


def command(control, line, timeout=10):
    """Sends one command to the control socket `control`; returns the answer line,
    stripped."""
    return egdtest.unix_line(control, line, timeout).strip()


class TrngSim:
    """A running trng-sim: the device at .link (WORKDIR/ttyTRNG; .first_path is the pty
    it pointed to at start), the control socket at .control. stderr goes to the file
    `log` when given, else to the test's own."""

    def __init__(self, workdir, rate_bps, control="control.sock", log=None):
        self.link = os.path.join(workdir, "ttyTRNG")
        self.control = os.path.join(workdir, control)
        self.log = open(log, "wb") if log else None
        self.proc = subprocess.Popen(
            [TRNG_SIM, "--link", self.link, "--control", self.control,
             "--rate-bps", str(rate_bps)], stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.first_path = self.proc.stdout.readline().strip()  # the pty: the device exists
        egdtest.wait_for(lambda: os.path.exists(self.control), "trng-sim control socket")

    def command(self, line):
        return command(self.control, line)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        if self.log:
            self.log.close()
