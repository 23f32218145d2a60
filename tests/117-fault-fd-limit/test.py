#!/usr/bin/env python3
"""117-fault-fd-limit: trng-httpd and egdd each run with a descriptor limit of 64
(RLIMIT_NOFILE, set with prlimit on the running process) and get 200 connection
attempts that stay open: accept(2) then fails with EMFILE while connections wait in
the backlog.

Checks, for each daemon:
  * no busy loop: its CPU time over 3 s of overload stays under 0.5 s (a daemon that
    re-accepts at once spins at 100 % of a core);
  * it says so once ("accept on ADDRESS: Too many open files"), not at every retry;
  * egdd: a client connected before the overload is still served during it;
  * service resumes once descriptors free up: with the 200 closed, a new connection is
    served (trng-httpd: GET /healthz; egdd: an EGD request), and "accept on ADDRESS works
    again" is logged.
"""
import os
import resource
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
import faulttest  # noqa: E402
import httpdtest  # noqa: E402
from egdtest import check  # noqa: E402

LIMIT = 64
ATTEMPTS = 200
OVERLOAD_S = 3.0
MAX_CPU_S = 0.5


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def overload(name, proc, port, log_text, address, served_during=None):
    """200 connections held open against a daemon limited to 64 descriptors; returns
    after they are closed again. Checks CPU time, the log, and `served_during()`."""
    resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (LIMIT, LIMIT))
    conns, refused = [], 0
    for _ in range(ATTEMPTS):
        try:
            conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            refused += 1
    try:
        egdtest.wait_for(lambda: "Too many open files" in log_text(),
                         "%s: accept failing with EMFILE" % name, timeout=10)
        held = faulttest.fd_count(proc.pid)
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(OVERLOAD_S)
        cpu = cpu_seconds(proc.pid) - cpu0
        wall = time.monotonic() - t0
        check(proc.poll() is None, "%s died under the descriptor limit:\n%s" % (name, log_text()))
        check(cpu < MAX_CPU_S, "%s: %.2f s of CPU in %.1f s of overload: a busy loop"
              % (name, cpu, wall))
        warnings = [l for l in log_text().splitlines()
                    if "accept on %s: Too many open files" % address in l]
        check(len(warnings) == 1, "%s: %d accept warnings (one expected):\n%s"
              % (name, len(warnings), "\n".join(warnings[:5])))
        if served_during:
            served_during()
    finally:
        for c in conns:
            c.close()
    print("%s: %d of %d connections made (%d refused), %d descriptors open at the limit of "
          "%d, %.3f s CPU in %.1f s of overload, one warning"
          % (name, len(conns), ATTEMPTS, refused, held, LIMIT, cpu, wall))


def resumed(name, log_text, address, serve):
    deadline = time.time() + 10
    while True:
        try:
            serve()
            break
        except (OSError, AssertionError, ConnectionError) as e:
            if time.time() > deadline:
                check(False, "%s: no service after the descriptors were freed: %s\n%s"
                      % (name, e, log_text()[-2000:]))
            time.sleep(0.1)
    egdtest.wait_for(lambda: "accept on %s works again" % address in log_text(),
                     "%s: 'works again' in the log" % name, timeout=10)
    print("%s: served again once descriptors were free; 'works again' logged" % name)


def test_httpd(wd, egd):
    httpd = httpdtest.TrngHttpd(wd, egd, {"log": {"level": "info"},
                                          "http": {"idle_timeout_ms": 60000}})
    with httpd:
        address = "127.0.0.1:%d" % httpd.port
        # Served once before the overload, as any running daemon has been: in the
        # ASan+UBSan build the first vptr checks need a free descriptor (a pipe).
        check(httpd.request("/healthz", timeout=5).status == 200, "trng-httpd: /healthz before")
        overload("trng-httpd", httpd.proc, httpd.port, httpd.log_text, address)

        def serve():
            r = httpd.request("/healthz", timeout=5)
            assert r.status == 200, r.status
        resumed("trng-httpd", httpd.log_text, address, serve)
        check(httpd.api("getRandom?numBits=64").status == 200, "trng-httpd: getRandom after")
    check(httpd.proc.returncode == 0, "trng-httpd exited %d" % httpd.proc.returncode)


def test_egdd(wd):
    src = os.path.join(wd, "random.bin")
    egdtest.write_random_file(src, 64 * 1024)
    with egdtest.Egdd(wd, source={"kind": "file", "path": src}, wait_bytes=1024) as egd:
        early = egd.connect()
        address = "127.0.0.1:%d" % egd.port

        def served_during():
            check(egdtest.egd_entropy(early) > 0, "egdd: no entropy count during overload")

        overload("egdd", egd.proc, egd.port, egd.log_text, address, served_during)
        early.close()

        def serve():
            with egd.connect(timeout=5) as s:
                assert len(egdtest.egd_read_nonblocking(s, 16)) == 16
        resumed("egdd", egd.log_text, address, serve)
    return egd


def main():
    started = time.time()
    faulttest.raise_nofile(ATTEMPTS + 100)
    with egdtest.workdir("egdtest-117-") as wd:
        dirs = [os.path.join(wd, d) for d in ("httpd", "egdd")]
        for d in dirs:
            os.mkdir(d)
        with egdtest.Egdd(dirs[0], source={"kind": "os"}, wait_bytes=1024) as egd:
            test_httpd(dirs[0], egd)
        test_egdd(dirs[1])
    print("PASS (%.1fs)" % (time.time() - started))


if __name__ == "__main__":
    main()
