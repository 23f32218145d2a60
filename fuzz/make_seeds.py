#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ (committed; rerun after a
format change). Seeds are small valid and nearly valid inputs; see each
*_fuzz.cc for how a target splits its input (control bytes at the END).

    python3 fuzz/make_seeds.py
"""
import os
import re
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WHOLE, BYTEWISE = b"\x00", b"\x09"   # Cuts: no cut / one byte per piece


def frame(seq, payload):
    body = b"D" + struct.pack(">HB", seq, len(payload)) + payload
    return b"\xeb\x90" + body + struct.pack(">I", zlib.crc32(body))


def line(text):
    return b"!" + text + b"*" + b"%08X" % zlib.crc32(text) + b"\r\n"


def example_toml(path):
    """The example config without comments: every key, little text."""
    out = []
    for raw in open(os.path.join(ROOT, path), encoding="utf-8"):
        text = re.sub(r"\s+#.*$", "", raw.rstrip("\n"))
        if text.strip() and not text.lstrip().startswith("#"):
            out.append(text)
    return ("\n".join(out) + "\n").encode()


def rstring(s):
    """FuzzedDataProvider::ConsumeRandomLengthString's encoding of s, terminated."""
    return s.replace(b"\\", b"\\\\") + b"\\n"


def fdp_range(value, nbytes):
    """Bytes that ConsumeIntegralInRange(1, max) reads from the end as `value`."""
    return (value - 1).to_bytes(nbytes, "little")


def route(target, method=0, cookie=b"", body=b"", pollen=1, limits=None):
    # Tail, consumed from the end: pollen, limits flag (1 = defaults) and the four
    # limits, method-from-list flag, list index.
    tail = b"\x01"
    if limits:
        num_bits, quantity, total, testdata = limits
        tail = (fdp_range(testdata, 4) + fdp_range(total, 4) + fdp_range(quantity, 3)
                + fdp_range(num_bits, 3) + b"\x00")
    return rstring(cookie) + rstring(body) + target + bytes([method, 1]) + tail + bytes([pollen])


SEEDS = {
    "egd_request_fuzz": {
        "count": b"\x00" + WHOLE,
        "read_nonblocking": b"\x01\x10" + WHOLE,
        "read_blocking": b"\x02\xff" + BYTEWISE,
        "write": b"\x03\x00\x20\x04\xaa\xbb\xcc\xdd" + WHOLE,
        "write_empty": b"\x03\x01\x00\x00" + WHOLE,
        "pid": b"\x04" + WHOLE,
        "pipelined": b"\x00\x01\x08\x02\x10\x04\x03\x00\x08\x01\x55\x00" + BYTEWISE,
        "bad_command": b"\x02\x10\x05\x00" + WHOLE,
        "partial_write": b"\x03\x00\x08\x20\x01\x02" + WHOLE,
    },
    "proxy_header_fuzz": {
        "tcp4": b"PROXY TCP4 192.0.2.7 127.0.0.1 56324 8888\r\n\x02\x10" + WHOLE,
        "tcp6": b"PROXY TCP6 2001:db8::7 ::1 56324 8888\r\n\x00" + BYTEWISE,
        "unknown": b"PROXY UNKNOWN\r\n\x04" + WHOLE,
        "unknown_long": b"PROXY UNKNOWN ffff:f::1 ffff:f::2 65535 65535\r\n" + WHOLE,
        "bad_family": b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n" + WHOLE,
        "not_proxy": b"\x02\x10" + WHOLE,
        "partial": b"PROXY TCP4 10.0.0" + WHOLE,
        # found by this fuzzer: an address with a NUL byte passed inet_pton
        "regress_nul_address": b"PROXY TCP4 192.0.2.7\x00evil 127.0.0.1 5000 8888\r\n" + WHOLE,
    },
    "frame_decoder_fuzz": {
        # raw mode (mode byte even), then the cut byte
        "session": line(b"boot wind-tunnel-trng fw=1.0.0 protocol=1 debias=xor4 sample_hz=240 payload=32")
                   + line(b"ok on") + frame(0, bytes(range(32))) + frame(1, bytes(range(32, 64)))
                   + b"\x00" + WHOLE,
        "gap_and_garbage": frame(7, b"\x01" * 32) + b"\x13\x37\xeb" + frame(9, b"\xfe" * 16)
                           + b"\x00" + BYTEWISE,
        "corrupt_crc": frame(0, b"abc")[:-1] + b"\x00" + frame(1, b"def") + b"\x00" + WHOLE,
        "bad_line": b"!ok on*00000000\r\n" + line(b"status on=1 fan=1") + b"\x00" + WHOLE,
        "restart": frame(500, b"x" * 64) + line(b"boot x") + frame(0, b"y") + b"\x00" + WHOLE,
        # built mode (mode byte odd): the bytes describe units
        "built": bytes(range(0, 250, 3)) + b"\x01" + WHOLE,
    },
    "command_parser_fuzz": {
        "on": b"on\n",
        "off_crlf": b"off\r\n",
        "status_spaces": b"  status \r",
        "version": b"version\n",
        "junk": b"\xeb\x90on\x00\n\n",
        "too_long": b"x" * 40 + b"\non\n",
    },
    "http_query_fuzz": {
        "target": b"/trng/randomNum/getRandom?numBits=8&quantity=10\x00",
        "target_escapes": b"/a%20b?x=1+2&y=%41&flag&&z=#frag\x00",
        "form_split": b"challenge=ab%2Fcd&x=1+2&&y\x05\x00\x01",
        "decode": b"\x01\x08hello%20world%zz+\x02",
        "cookie": b"trng_file\\nabc\\na=1; trng_file=abc ;b=2\x03",
        "int": b"00042" + bytes(26) + b"\x04",
    },
    "http_route_fuzz": {
        "get_random": route(b"/trng/randomNum/getRandom?numBits=24&quantity=3"),
        "testdata": route(b"/trng/randomNum/generateTestdata?numBits=5000&filetype=.txt"),
        "download_cookie": route(b"/trng/randomNum/downloadFile", cookie=b"trng_file=abc"),
        "init_post": route(b"/trng/randomNum/init", method=1),
        "pollen": route(b"/", method=1, body=b"challenge=0123abcd"),
        "pollen_get": route(b"/pollen?challenge=ff"),
        "page": route(b"/app.js"),
        "metrics": route(b"/metrics"),
        "not_found": route(b"/%ff%fe?x"),
        # found by this fuzzer: parameter defaults were not held to the limits
        "regress_testdata_default": route(b"/trng/randomNum/generateTestdata",
                                          limits=(65536, 10000, 1048576, 4000)),
        "regress_quantity_default": route(b"/trng/randomNum/getRandom?numBits=2000",
                                          limits=(65536, 10000, 1000, 8388608)),
    },
    "config_fuzz": {
        "egdd_example": b"\x00" + example_toml("egdd/egdd.example.toml"),
        "httpd_example": b"\x01" + example_toml("httpd/trng-httpd.example.toml"),
        "feed_example": b"\x02" + example_toml("feed/egd-feed.example.toml"),
        "egdd_serial": b"\x00[source]\nkind = \"serial\"\n[serial]\nport = \"/dev/ttyACM0\"\n"
                       b"baud_rate = 115200\n[egd]\nlisten = [\"[::1]:8888\", \"unix:/run/e.sock\","
                       b" \"proxy:127.0.0.1:7778\"]\nproxy_trusted_peers = [\"127.0.0.1\", "
                       b"\"2001:db8::/32\"]\nmax_clients_per_address = 4\nipv6_prefix = 48\n",
        "egdd_file": b"\x00[source]\nkind = \"file\"\npath = \"/tmp/capture\"\nreplay = true\n",
        "egdd_health": b"\x00[health]\ntotal_failure_chunk = 16\ntotal_failure_max_identical = 15\n",
        "httpd_unix": b"\x01[egdd]\negd = \"unix:/run/egdd/egd.sock\"\n",
        "feed_unix": b"\x02[server]\nconnect = \"unix:/run/egdd/egd.sock\"\n[reconnect]\n"
                     b"initial_delay_ms = 10\nmax_delay_ms = 10\njitter = 1\n",
        "syntax_error": b"\x00[source\nkind = \n",
        # found by this fuzzer: strings with a NUL byte ("\u0000") were accepted
        # as paths, which the C calls that use them silently cut short
        "regress_nul_egdd_path": b'\x00[source]\npath = "/dev/hwrng\\u0000x"\n',
        "regress_nul_egdd_port": b'\x00[serial]\nport = "/dev/ttyUSB0\\u0000x"\n',
        "regress_nul_httpd_control": b'\x01[egdd]\ncontrol = "/run/egdd/c\\u0000x"\n',
        "regress_nul_httpd_dir": b'\x01[files]\ndir = "/run/t\\u0000x"\n',
        "regress_nul_feed_device": b'\x02[feed]\ndevice = "/dev/random\\u0000x"\n',
        "regress_nul_feed_user": b'\x02[daemon]\nuser = "root\\u0000x"\n',
    },
}


def main():
    for target, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    print("wrote", sum(len(s) for s in SEEDS.values()), "seeds")


if __name__ == "__main__":
    main()
