"""The alerting rules (deploy/monitoring/alerts.yml): valid for Prometheus (`promtool check rules`), behaving as their
unit tests say (`promtool test rules` on alerts.test.yml, every alert there once firing and once silent), built on
metrics the platform really exports, and each with its runbook in docs/operations.md that its runbook_url names.

promtool is the one `make install` builds into .venv/bin (deploy/local/install-go-tools.sh); missing, the tests fail."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY
from pzh_shared import metrics  # noqa: F401  (registers the platform's metrics in REGISTRY)
from pzh_shared.metrics import GroupLagCollector
from reporting.consumers.schedule import MissingPeriodsCollector

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
RULES = MONITORING / "alerts.yml"
RULE_TESTS = MONITORING / "alerts.test.yml"
CONFIGS = ("prometheus.yml", "prometheus-k8s.yml")  # compose, Kubernetes
OPERATIONS = ROOT / "docs" / "operations.md"
PROMTOOL = ROOT / ".venv" / "bin" / "promtool"
# What every runbook section says, in this order.
RUNBOOK_PARTS = ("**What it means.**", "**First checks.**", "**Resolve.**")
# Metrics of other exporters the rules may use: Prometheus' own per-target series.
PROMETHEUS_OWN = {"up"}


def _alerts() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"] if "alert" in rule]


@pytest.fixture(scope="module")
def promtool() -> Path:
    assert PROMTOOL.is_file(), f"{PROMTOOL} missing: `make install` builds it (bash deploy/local/install-go-tools.sh)"
    return PROMTOOL


def _run(promtool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool), *args], cwd=MONITORING, capture_output=True, text=True, timeout=120)


def test_promtool_checks_the_rules(promtool):
    done = _run(promtool, "check", "rules", "--lint=all", "--lint-fatal", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in done.stdout, done.stdout


@pytest.mark.parametrize("config", CONFIGS)
def test_promtool_checks_the_scrape_configs_and_their_rule_files(promtool, config):
    done = _run(promtool, "check", "config", "--lint=all", "--lint-fatal", config)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in done.stdout, done.stdout


def test_the_compose_scrape_config_has_a_job_for_every_process_with_metrics():
    """Every compose service that serves metrics (`<PREFIX>METRICS_PORT`) is scraped on that port, as job pzh-<name>."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    expected = {}
    for name, service in services.items():
        env = service.get("environment") or {}
        ports = [str(value) for key, value in env.items() if key.endswith("_METRICS_PORT")]
        if ports:
            expected[f"pzh-{name}"] = [f"{name}:{ports[0]}"]
    jobs = yaml.safe_load((MONITORING / "prometheus.yml").read_text())["scrape_configs"]
    scraped = {job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]] for job in jobs}
    assert expected and scraped == expected


def test_the_rules_unit_tests_pass(promtool):
    done = _run(promtool, "test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout, done.stdout


def test_every_alert_is_tested_firing_and_silent():
    cases: dict[str, list[bool]] = {}
    for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        for case in test.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], []).append(bool(case.get("exp_alerts")))
    for alert in _alerts():  # each alert once expected firing, once expected silent
        seen = cases.get(alert["alert"], [])
        assert True in seen and False in seen, f"{alert['alert']}: {seen.count(True)} firing, {seen.count(False)} quiet"


def _exported_names() -> set[str]:
    """Sample names the platform's processes serve: pzh_shared.metrics and both scrape-time collectors."""
    collectors = [GroupLagCollector("unused:9092", "g", ()), MissingPeriodsCollector(archive=None)]  # type: ignore[arg-type]
    families = [*REGISTRY.collect(), *(family for c in collectors for family in c.describe())]
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    return {family.name + suffix for family in families for suffix in suffixes.get(family.type, ())}


def _metrics_of(expr: str) -> set[str]:
    return set(re.findall(r"\bpzh_[a-z_]+\b", expr)) | {"up" for _ in re.findall(r"\bup\{", expr)}


def test_the_rules_use_only_metrics_the_platform_exports():
    exported = _exported_names() | PROMETHEUS_OWN
    for alert in _alerts():
        used = _metrics_of(alert["expr"])
        assert used, f"{alert['alert']}: no metric found in {alert['expr']!r}"
        assert used <= exported, f"{alert['alert']} uses {sorted(used - exported)}, which nothing exports"


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _sections() -> dict[str, str]:
    """docs/operations.md by heading anchor: each heading's text up to the next heading."""
    parts = re.split(r"^#{2,4} (.+)$", OPERATIONS.read_text(), flags=re.MULTILINE)
    return {_anchor(heading): body for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_every_alert_has_its_runbook_section_and_points_to_it():
    sections = _sections()
    for alert in _alerts():
        name = alert["alert"]
        anchor = _anchor(name)
        assert anchor in sections, f"docs/operations.md has no section '### {name}'"
        assert alert["annotations"]["runbook_url"] == f"docs/operations.md#{anchor}", name
        body = sections[anchor]
        positions = [body.find(part) for part in RUNBOOK_PARTS]
        assert -1 not in positions and positions == sorted(positions), f"{name}: runbook lacks {RUNBOOK_PARTS}"
        missing = {m for m in _metrics_of(alert["expr"]) if f"`{m}" not in body}
        assert not missing, f"{name}: runbook does not name {sorted(missing)}"
