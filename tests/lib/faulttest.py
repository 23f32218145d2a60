"""Helpers shared by the fault tests (110-113): what a running process holds
(open fds, resident memory), whether it runs under AddressSanitizer, the fd
limit, and one EGD client connection that survives egdd restarts.
"""
import os
import resource
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import egdtest  # noqa: E402,F401  (re-exported for the tests)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def under_sanitizer(pid):
    """True if the process has AddressSanitizer's or ThreadSanitizer's runtime mapped (its
    RSS then includes quarantined memory or shadow: growth checks need a looser bound)."""
    with open("/proc/%d/maps" % pid) as f:
        maps = f.read()
    return "libasan" in maps or "libtsan" in maps


def small_asan_quarantine():
    """Under AddressSanitizer freed memory sits in a 256 MB quarantine before reuse, so
    resident memory grows with allocations, not with what is held: a small quarantine lets
    it level off. Applies to processes started afterwards; ignored by builds without ASan."""
    options = os.environ.get("ASAN_OPTIONS", "")
    if "quarantine_size_mb" not in options:
        os.environ["ASAN_OPTIONS"] = ":".join(filter(None, [options, "quarantine_size_mb=8"]))


def raise_nofile(need):
    """Raises this process's (and so its children's) soft fd limit to the hard limit;
    returns the new soft limit, or exits 77 (skipped) if it stays below `need`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        print("RLIMIT_NOFILE hard limit %d < %d: skipped" % (hard, need))
        sys.exit(77)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def wait_status(egd, timeout=10.0):
    """egdctl status, retried while egdd is (re)starting and its control socket not bound yet."""
    deadline = time.time() + timeout
    while True:
        try:
            return egd.status()
        except (RuntimeError, ValueError):
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def connect_retrying(egd, unix, deadline):
    """Connects to egdd, retrying while it is down; raises after `deadline` (time.time())."""
    while True:
        try:
            return egd.connect(unix=unix)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def recv_some(sock, n):
    """Up to n bytes, however many arrived before EOF or a reset: (bytes, complete)."""
    buf = b""
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except (ConnectionResetError, socket.timeout):
            return buf, False
        if not chunk:
            return buf, False
        buf += chunk
    return buf, True


def place_chunks(data, chunks, short=8):
    """Where each chunk of bytes served sits in `data`, the bytes the source was fed.

    chunks: (label, bytes) pairs. Every chunk of at least `short` bytes must occur in
    data and no two may overlap: a byte served twice would make two chunks overlap (random
    data: a chunk matches nowhere else). Chunks from one label are searched from where
    that label's previous chunk ended (raw mode keeps source order per client).
    Returns (placed, gaps): placed = sorted (start, end, label); gaps = the bytes of data
    not covered by placed chunks (before, between and after them), which the shorter
    chunks must come from."""
    placed, last = [], {}
    for label, chunk in chunks:
        if len(chunk) < short:
            continue
        off = data.find(chunk, last.get(label, 0))
        if off == -1:
            off = data.find(chunk)
        if off == -1:
            raise AssertionError("%s: a chunk of %d bytes that the source was never fed"
                                 % (label, len(chunk)))
        placed.append((off, off + len(chunk), label))
        last[label] = off + len(chunk)
    placed.sort()
    for a, b in zip(placed, placed[1:]):
        if a[1] > b[0]:
            raise AssertionError("bytes %d..%d served twice: to %s and to %s"
                                 % (b[0], min(a[1], b[1]), a[2], b[2]))
    gaps, pos = [], 0
    for lo, hi, _ in placed:
        if lo > pos:
            gaps.append(data[pos:lo])
        pos = max(pos, hi)
    if pos < len(data):
        gaps.append(data[pos:])
    return placed, gaps
