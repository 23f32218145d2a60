#!/usr/bin/env python3
"""116-fault-feed-reload-storm: 100 SIGHUPs to egd-feed, alternating valid and invalid
configuration files, while it feeds every 100 ms; the /dev/random recorder
(tests/lib/random_shim.c, nothing reaches the kernel) records each feed.

Valid files switch between two egdd servers (A over TCP, B over a unix socket, each
serving its own file in order) and change live settings (interval, log level, backoff);
some also change the restart-only keys feed.device and daemon.user, which are kept with
a warning. Invalid files (each logged as "reload failed, keeping the running
configuration: file:line: ..." and changing nothing): an unknown key, an unknown table,
a wrong type, a value out of range, a TOML syntax error, a backoff whose maximum is
below its start, a server address that does not parse, and a directory where the file
should be.

Checks: egd-feed never dies and feeds again after every reload, from the server of the
last valid file; every feed is bytes of A's or B's source, each server's feeds in
order and none fed twice; the command-line override (--reseed-bytes 16) survives every
reload although the files say 48; SIGTERM then stops it with exit code 0.
"""
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import egdtest  # noqa: E402
from egdtest import check  # noqa: E402
from feedtest import Feed  # noqa: E402
from rndshim import build_shim, read_records  # noqa: E402

RELOADS = 100
SOURCE_BYTES = 256 * 1024
RELOADED = r"notice: configuration reloaded"
FAILED = r"error: reload failed, keeping the running configuration: "


def config(server, changes=None, extra=""):
    sections = {
        "server": {"connect": server, "read_timeout_ms": 3000},
        "feed": {"seed_bytes": 16, "reseed_bytes": 48, "interval_ms": 100},
        "reconnect": {"initial_delay_ms": 20, "max_delay_ms": 200},
        "log": {"level": "info"},
    }
    return egdtest.toml_text(sections, changes) + extra


def wait_more(log, n, feed, timeout=10):
    """Records once there are more than n; fails if egd-feed dies or stalls."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        recs = read_records(log)
        if len(recs) > n:
            return recs
        check(feed.proc.poll() is None, "egd-feed died:\n" + feed.text())
        time.sleep(0.01)
    check(False, "no feed within %ds after %d feeds:\n%s" % (timeout, n, feed.text()[-3000:]))


def main():
    started = time.time()
    shim = build_shim()
    with egdtest.workdir("egdtest-116-") as wd:
        dirs = [os.path.join(wd, d) for d in ("a", "b")]
        for d in dirs:
            os.mkdir(d)
        sources = [egdtest.write_random_file(os.path.join(d, "random.bin"), SOURCE_BYTES)
                   for d in dirs]
        with egdtest.Egdd(dirs[0], source={"kind": "file", "path": os.path.join(dirs[0], "random.bin")},
                          wait_bytes=4096) as a, \
             egdtest.Egdd(dirs[1], source={"kind": "file", "path": os.path.join(dirs[1], "random.bin")},
                          wait_bytes=4096) as b:
            servers = ["127.0.0.1:%d" % a.port, "unix:" + b.unix_path]
            run_storm(wd, shim, servers, sources)
    print("PASS (%.1fs)" % (time.time() - started))


def run_storm(wd, shim, servers, sources):
    cfg = os.path.join(wd, "egd-feed.toml")
    log = os.path.join(wd, "shim.log")
    with open(cfg, "w") as f:
        f.write(config(servers[0]))
    valid = [
        lambda s: config(s),
        lambda s: config(s, {"feed": {"interval_ms": 150}, "log": {"level": "debug"}}),
        lambda s: config(s, {"feed": {"device": os.path.join(wd, "missing", "random")}}),
        lambda s: config(s, {"daemon": {"user": "nobody"},
                             "reconnect": {"initial_delay_ms": 10, "max_delay_ms": 100}}),
    ]
    invalid = [
        ("unknown key", lambda s: config(s, {"feed": {"no_such_key": 1}})),
        ("unknown table", lambda s: config(s, extra="[no_such_table]\nx = 1\n")),
        ("wrong type", lambda s: config(s, {"feed": {"interval_ms": "often"}})),
        ("out of range", lambda s: config(s, {"feed": {"interval_ms": 1}})),
        ("TOML syntax", lambda s: config(s, extra="[feed\ninterval_ms = 100\n")),
        ("backoff", lambda s: config(s, {"reconnect": {"initial_delay_ms": 500,
                                                       "max_delay_ms": 100}})),
        ("bad address", lambda s: config("nowhere:port")),
        ("a directory", None),
    ]
    feed = Feed(["--config", cfg, "--reseed-bytes", "16"], shim, log, "fake")
    current = 0  # index of the server of the last valid file
    switches = []  # (records before the reload, server index from then on)
    try:
        wait_more(log, 0, feed)
        for i in range(RELOADS):
            before = len(read_records(log))
            if i % 2 == 0:
                current = (i // 2) % 2
                text = valid[(i // 2) % len(valid)](servers[current])
                pattern, what = RELOADED, "valid"
            else:
                what, make = invalid[(i // 2) % len(invalid)]
                pattern = FAILED + re.escape(cfg)
                text = make(servers[current]) if make else None
            n = len(feed.matching(pattern))
            if text is None:  # a directory where the file should be
                with egdtest.directory_in_place_of(cfg):
                    feed.proc.send_signal(signal.SIGHUP)
                    feed.wait_line(pattern, count=n + 1)
            else:
                with open(cfg, "w") as f:
                    f.write(text)
                feed.proc.send_signal(signal.SIGHUP)
                feed.wait_line(pattern, count=n + 1)
            if i % 2 == 0:
                switches.append((before, current))
            wait_more(log, len(read_records(log)), feed)  # feeding goes on
        recs = read_records(log)
    finally:
        feed.stop()

    text = feed.text()
    check(len(feed.matching(RELOADED)) == RELOADS // 2, "valid reloads logged: %d"
          % len(feed.matching(RELOADED)))
    check(len(feed.matching(FAILED)) == RELOADS // 2, "failed reloads logged: %d"
          % len(feed.matching(FAILED)))
    for key in ("feed.device", "daemon.user"):
        check("warning: reload: %s changed; it takes effect at the next restart" % key in text,
              "no warning about %s" % key)
    check("(new server)" in text, "no server switch logged")

    # Every feed: bytes of one source, written (credit 0), 16 bytes (seed, and reseeds
    # by --reseed-bytes although the files say 48); per source in order, none twice.
    offsets = [[], []]
    for r in recs:
        check(r.call == "write" and r.rc == 0, "a feed by %s, rc %d" % (r.call, r.rc))
        check(r.size == 16, "a feed of %d bytes: the --reseed-bytes override was lost" % r.size)
        found = [s.find(r.data) for s in sources]
        check(sum(1 for f in found if f >= 0) == 1, "a feed found in %s sources"
              % sum(1 for f in found if f >= 0))
        which = 0 if found[0] >= 0 else 1
        offsets[which].append(found[which])
    for which, offs in enumerate(offsets):
        check(offs == sorted(offs) and len(set(offs)) == len(offs),
              "server %d's bytes fed out of order or twice" % which)
        check(len(offs) >= 10, "only %d feeds from server %d" % (len(offs), which))
    # After the last valid reload, feeds come from its server.
    last_before, last_server = switches[-1]
    tail = recs[last_before + 1:]
    check(tail and all(sources[last_server].find(r.data) >= 0 for r in tail),
          "feeds after the last reload not from server %d" % last_server)
    print("%d reloads (%d valid, %d invalid); %d feeds of 16 bytes (%d from A, %d from B), "
          "each server's in order, none twice; SIGTERM exit 0"
          % (RELOADS, RELOADS // 2, RELOADS // 2, len(recs), len(offsets[0]), len(offsets[1])))


if __name__ == "__main__":
    main()
