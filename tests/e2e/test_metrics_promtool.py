"""A real `nubo up`'s /metrics passes `promtool check metrics`; the alert rules in docs/ pass
`promtool check rules` and their unit tests (`promtool test rules`); every metric the Grafana
dashboard in docs/ plots is one Nubo serves."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import ROOT, Cloud
from tests.e2e.ops_helpers import admin_client, boot, make_resources, ok, wait_settled

RULES = ROOT / "docs" / "prometheus-alerts.yml"
RULES_TEST = ROOT / "tests" / "e2e" / "data" / "prometheus-alerts-test.yml"
DASHBOARD = ROOT / "docs" / "grafana-dashboard.json"


def promtool(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("promtool")
    if exe is None:
        if os.environ.get("NUBO_TEST_REQUIRE_DBS") == "1":
            pytest.fail("promtool missing (Debian package prometheus; scripts/test.sh)")
        pytest.skip("promtool missing (apt-get install prometheus)")
    return subprocess.run([exe, *args], input=stdin, capture_output=True, timeout=60,
                          check=False)


def scrape(cloud: Cloud) -> str:
    with admin_client(cloud) as c:
        ids = make_resources(c, b"\0" * 4096)
        for i in range(2):
            boot(c, f"m{i}", ids["image"], ids["network"])
        wait_settled(c)
        public = ok(c.get("/networking/v2.0/networks?name=public"))["networks"][0]["id"]
        ok(c.post("/networking/v2.0/floatingips",
                  json={"floatingip": {"floating_network_id": public}}))
        r = c.get("/metrics")
        assert r.status_code == 200
        return r.text


def test_metrics_rules_and_dashboard_pass_promtool(cloud: Cloud) -> None:
    text = scrape(cloud)
    assert 'nubo_instances{host=' in text and "nubo_placement_capacity{" in text
    checked = promtool("check", "metrics", stdin=text.encode())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rules = promtool("check", "rules", str(RULES))
    assert rules.returncode == 0, rules.stdout + rules.stderr
    tested = promtool("test", "rules", str(RULES_TEST))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    def base(name: str) -> str:
        return re.sub(r"_(total|bucket|count|sum|created)$", "", name)
    served = {base(n) for n in re.findall(r"^# TYPE (\w+) ", text, re.M)}
    exprs = [t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"]
             for t in p["targets"]] + re.findall(r"expr: [|]?\s*(.+?)\n\s+for:",
                                                   RULES.read_text(), re.S)
    for expr in exprs:
        for name in re.findall(r"\bnubo_\w+", expr):
            assert base(name) in served, f"{name} (in {expr!r}) is not served"
