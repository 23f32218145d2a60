#!/usr/bin/env python3
"""100-fuzz: builds the libFuzzer targets (fuzz/, a standalone clang project)
and runs each one briefly from its committed seed corpus. Each target checks
invariants of one parser (incremental equivalence, re-encoding, error format,
value ranges; see fuzz/README.md), so a failure here is a parser bug, with the
offending input printed in hex.

Builds into $EGD_BUILD_DIR/fuzz (ctest sets EGD_BUILD_DIR), else
build-fuzz-test/ in the checkout; later runs only rebuild what changed. Seeds
are copied to a temporary directory, so nothing in the repository is written.
EGD_FUZZ_SECONDS (default 10) sets the time per target. Skipped (exit 77)
without clang++, libFuzzer's runtime, cmake or ninja.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FUZZ = os.path.join(ROOT, "fuzz")
SECONDS = int(os.environ.get("EGD_FUZZ_SECONDS", "10"))
ARTIFACTS = ("crash-", "leak-", "timeout-", "oom-", "slow-unit-")


def build_dir():
    base = os.environ.get("EGD_BUILD_DIR")
    return os.path.join(base, "fuzz") if base else os.path.join(ROOT, "build-fuzz-test")


def missing_tools():
    missing = [t for t in ("clang", "clang++", "cmake", "ninja") if not shutil.which(t)]
    if not glob.glob("/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a"):
        missing.append("libFuzzer runtime (apt-get install -y libclang-rt-14-dev)")
    return missing


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def build(out):
    if not os.path.exists(os.path.join(out, "build.ninja")):
        r = run(["cmake", "-S", FUZZ, "-B", out, "-G", "Ninja",
                 "-DCMAKE_C_COMPILER=clang", "-DCMAKE_CXX_COMPILER=clang++"])
        if r.returncode != 0:
            sys.exit("FAIL: configuring fuzz/ failed:\n" + r.stdout[-4000:])
    r = run(["ninja", "-C", out])
    if r.returncode != 0:
        sys.exit("FAIL: building fuzz/ failed:\n" + r.stdout[-6000:])
    with open(os.path.join(out, "fuzz_targets.txt")) as f:
        targets = [t for t in f.read().split() if t]
    sources = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(FUZZ, "*_fuzz.cc")))
    if sorted(targets) != sources:
        sys.exit("FAIL: fuzz/CMakeLists.txt builds %s but fuzz/ has %s" % (targets, sources))
    return targets


def hexdump(path, limit=512):
    with open(path, "rb") as f:
        data = f.read()
    text = data[:limit].hex()
    return text + ("... (%d bytes)" % len(data) if len(data) > limit else "")


def fuzz(binary, target, tmp):
    """Runs one target; returns (ok, summary or failure report)."""
    corpus = os.path.join(tmp, "corpus")
    shutil.copytree(os.path.join(FUZZ, "corpus", target), corpus)
    cmd = [binary, "-max_total_time=%d" % SECONDS, "-runs=5000000", "-timeout=10",
           "-rss_limit_mb=1024", "-max_len=4096", "-print_final_stats=1",
           "-error_exitcode=1", "-timeout_exitcode=1", "-artifact_prefix=" + tmp + "/"]
    dictionary = os.path.join(FUZZ, target + ".dict")
    if os.path.exists(dictionary):
        cmd.append("-dict=" + dictionary)
    r = run(cmd + [corpus], cwd=tmp, timeout=SECONDS + 120)
    found = [os.path.join(tmp, n) for n in os.listdir(tmp) if n.startswith(ARTIFACTS)]
    if r.returncode != 0 or found:
        report = ["%s: exit %d" % (target, r.returncode), r.stdout[-5000:]]
        report += ["input %s (hex): %s" % (os.path.basename(p), hexdump(p)) for p in found]
        return False, "\n".join(report)
    done = re.findall(r"DONE\s+(cov: .*)", r.stdout)
    runs = re.findall(r"stat::number_of_executed_units: (\d+)", r.stdout)
    return True, "%s: %s runs, %s" % (target, runs[-1] if runs else "?", done[-1] if done else "")


def main():
    missing = missing_tools()
    if missing:
        print("SKIP: missing %s" % ", ".join(missing))
        sys.exit(77)
    out = build_dir()
    targets = build(out)
    failures = []
    for target in targets:
        with tempfile.TemporaryDirectory(prefix="egdtest-100-") as tmp:
            ok, text = fuzz(os.path.join(out, target), target, tmp)
        print(("ok   " if ok else "FAIL ") + text, flush=True)
        if not ok:
            failures.append(target)
    if failures:
        sys.exit("FAIL: %s found a bug (inputs above in hex; reproduce with "
                 "%s/TARGET FILE)" % (", ".join(failures), out))
    print("all %d fuzz targets ran %d s each without a finding" % (len(targets), SECONDS))


if __name__ == "__main__":
    main()
