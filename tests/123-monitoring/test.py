#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""123-monitoring: the alerting rules and the dashboard in monitoring/ hold, and the
metrics they use exist and move.

- `promtool check rules` accepts monitoring/egdd.rules.yml and `promtool test rules`
  passes its unit tests (monitoring/egdd.rules.test.yml);
- every metric that a dashboard panel or a rule names is one a real trng-httpd exports
  (scraped from trng-httpd in front of a real egdd);
- trng-httpd's own EGD connection (egdd's internal listener) is not an EGD client;
- a source that turns stuck: the alarm counter with test="total_failure" and the
  byte counters by stage move.
Skipped (77) without promtool (Debian package prometheus).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
import egdtest  # noqa: E402
import httpdtest  # noqa: E402
from egdtest import egd_read_blocking, wait_for  # noqa: E402

MONITORING = os.path.join(os.path.dirname(__file__), "..", "..", "monitoring")
RULES = os.path.join(MONITORING, "egdd.rules.yml")
DASHBOARD = os.path.join(MONITORING, "grafana-dashboard.json")
NOT_METRICS = {"on", "by", "and", "unless", "or", "rate", "increase", "max", "sum", "humanize"}


def metric_names(expr):
    """Names of the trng_* series a PromQL expression reads."""
    return set(re.findall(r"\btrng_[a-z0-9_]+", expr)) - NOT_METRICS


class MonitoringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = cls.enterClassContext(egdtest.workdir("egdtest-123-"))
        data = os.path.join(cls.dir, "turns-stuck.bin")
        with open(data, "wb") as f:  # healthy, then stuck at 0x5a (total failure test)
            f.write(os.urandom(64 * 1024) + b"\x5a" * 4096)
        internal = os.path.join(cls.dir, "internal.sock")
        # A small pool: egdd stops reading once it is full, before the stuck bytes.
        cls.egd = cls.enterClassContext(egdtest.Egdd(
            cls.dir, {"kind": "file", "path": data},
            egd_keys={"internal_listen": ["unix:" + internal]},
            extra="[pool]\nsize_bytes = 4096\n[health]\non_alarm = \"stop\"\n", wait_bytes=3000))
        cls.httpd = cls.enterClassContext(httpdtest.TrngHttpd(
            os.path.join(cls.dir), cls.egd, settings={"egdd": {"egd": "unix:" + internal}}))

    def test_1_promtool(self):
        r = subprocess.run(["promtool", "check", "rules", RULES], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS: 9 rules found", r.stdout)
        r = subprocess.run(["promtool", "test", "rules", "egdd.rules.test.yml"], cwd=MONITORING,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_2_expressions_name_exported_metrics(self):
        # Families trng-httpd declares (some have samples only once there is one:
        # requests by code, the assessment by estimator).
        text = self.httpd.request("/metrics").body.decode()
        exported = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
        self.assertIn("trng_egdd_up", exported)
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        used = {}
        for panel in dashboard["panels"]:
            self.assertTrue(panel["targets"], panel["title"])
            for t in panel["targets"]:
                names = metric_names(t["expr"])
                self.assertTrue(names, "%s: %s" % (panel["title"], t["expr"]))
                for n in names:
                    used.setdefault(n, panel["title"])
        with open(RULES) as f:
            for line in f:
                for n in metric_names(line.split("#", 1)[0]):
                    used.setdefault(n, "rules")
        for name in ("trng_device_state", "trng_egdd_health_alarms_total",
                     "trng_egdd_source_bits_total", "trng_egdd_waiting_readers"):
            self.assertIn(name, used)
        missing = {n: where for n, where in used.items() if n not in exported}
        self.assertEqual(missing, {}, "named but not exported by trng-httpd")

    def test_3_internal_connection_is_not_a_client(self):
        self.assertEqual(self.httpd.api("getRandom?numBits=16&quantity=2").status, 200)
        wait_for(lambda: self.egd.status()["internal_clients"] >= 1, "trng-httpd's connection")
        self.assertEqual(self.egd.status()["clients"], 0)
        m = self.httpd.metrics()
        self.assertEqual(m["trng_egdd_clients"], 0)
        self.assertGreaterEqual(m["trng_egdd_internal_clients"], 1)

    def test_4_metrics_move_after_a_fault(self):
        def counter(m, name, **labels):
            return m["%s{%s}" % (name, ",".join('%s="%s"' % kv for kv in labels.items()))]

        before = self.httpd.metrics()
        self.assertEqual(counter(before, "trng_egdd_health_alarms_total", test="total_failure"), 0)
        received = counter(before, "trng_egdd_source_bytes_total", source="file", stage="received")
        self.assertGreater(received, 0)
        self.assertGreater(counter(before, "trng_egdd_health_test_passed_total",
                                   test="total_failure"), 0)
        s = self.egd.connect(unix=True)
        for _ in range(2000):  # drain the pool: egdd reads on, into the stuck bytes
            if self.egd.status()["alarms"]:
                break
            egd_read_blocking(s, 255)
        wait_for(lambda: self.egd.status()["state"] == "failed", "the alarm")
        after = self.httpd.metrics()
        self.assertEqual(counter(after, "trng_egdd_health_alarms_total", test="total_failure"), 1)
        self.assertEqual(counter(after, "trng_egdd_health_test_failed_total",
                                 test="total_failure"), 1)
        self.assertEqual(counter(after, "trng_egdd_health_alarms_total", test="repetition_count"),
                         0)
        self.assertEqual(after["trng_device_state{state=\"failed\"}"], 1)
        for stage in ("received", "passed", "served", "discarded"):
            self.assertGreater(counter(after, "trng_egdd_source_bytes_total", source="file",
                                       stage=stage),
                               counter(before, "trng_egdd_source_bytes_total", source="file",
                                       stage=stage), stage)
        self.assertEqual(counter(after, "trng_egdd_source_bits_total", source="file",
                                 stage="received"),
                         8 * counter(after, "trng_egdd_source_bytes_total", source="file",
                                     stage="received"))


if __name__ == "__main__":
    if not shutil.which("promtool"):
        print("promtool not installed (Debian package prometheus): skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
