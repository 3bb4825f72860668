"""deploy/prometheus and deploy/grafana: the alert rules load and behave (promtool), and every
metric the rules and the dashboard use is one /metrics really exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
PROMTOOL = shutil.which("promtool")
ALERTS = {
    "LettrineQueueStuck",
    "LettrineSchedulerSilent",
    "LettrineComplaintRateHigh",
    "LettrineBounceRateHigh",
    "LettrineNoWorker",
}


@pytest.mark.skipif(not PROMTOOL, reason="promtool missing: bash .ci/system-packages.sh (Debian prometheus)")
def test_promtool_check_rules():
    result = subprocess.run(
        [PROMTOOL, "check", "rules", "alerts.yml"],
        cwd=DEPLOY / "prometheus",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.skipif(not PROMTOOL, reason="promtool missing: bash .ci/system-packages.sh (Debian prometheus)")
def test_promtool_unit_tests_fire_and_stay_quiet():
    """Queue stuck, no worker, scheduler silent, complaints above 0.1 %, hard bounces above 2 % fire on
    synthetic series; a healthy day (0.05 %, 1 %) fires nothing (deploy/prometheus/alerts.test.yml)."""
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "alerts.test.yml"],
        cwd=DEPLOY / "prometheus",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (DEPLOY / "prometheus" / "alerts.test.yml").read_text()))
    assert ALERTS <= tested


def _rule_exprs() -> list[str]:
    """The rules' expressions (promtool has checked the YAML; here only what each rule says)."""
    text = (DEPLOY / "prometheus" / "alerts.yml").read_text()
    rules = re.split(r"^      - alert: ", text, flags=re.M)[1:]
    assert ALERTS <= {r.split("\n", 1)[0].strip() for r in rules}
    exprs = []
    for rule in rules:
        assert re.search(r"severity: (critical|warning)$", rule, re.M)
        assert "summary:" in rule and "description:" in rule
        exprs.append(rule.split("expr:", 1)[1].split("for:", 1)[0])
    return exprs


def _dashboard_exprs() -> list[str]:
    board = json.loads((DEPLOY / "grafana" / "lettrine-dashboard.json").read_text())
    assert board["uid"] == "lettrine" and board["panels"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    return [t["expr"] for p in board["panels"] for t in p["targets"]]


def test_rules_and_dashboard_use_only_exposed_metrics(client):
    from app import heartbeat

    heartbeat.beat("scheduler")  # its age is exposed once a scheduler has passed (absent() alerts before)
    client.get("/healthz")
    exposed = set(re.findall(r"^# TYPE (\S+) (\w+)", client.get("/metrics").get_data(as_text=True), re.M))
    names = {name for name, _ in exposed}
    counters = {name for name, kind in exposed if kind == "counter"}
    histograms = {name for name, kind in exposed if kind == "histogram"}
    used = set()
    for expr in _rule_exprs() + _dashboard_exprs():
        used |= set(re.findall(r"\blettrine_[a-z_]+", expr))
    assert used
    for metric in sorted(used):
        base = (
            re.sub(r"_(bucket|count|sum)$", "", metric)
            if re.sub(r"_(bucket|count|sum)$", "", metric) in histograms
            else metric
        )
        family = re.sub(r"_total$", "", base)
        assert base in names or family in names, f"{metric} is not exposed by /metrics"
        if metric.endswith("_total"):
            assert {family, metric} & counters, f"{metric} is used as a counter but is not one"
