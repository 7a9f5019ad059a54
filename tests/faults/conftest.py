"""Fault tests' fixtures, and the reliability report: `test-artifacts/reliability.md` (git-ignored),
written at the end of every pytest session that loads this directory, with one row per item of
issue 10. The committed `reports/reliability.md` is that file copied on purpose after a full run
(docs/operations.md), so a partial run never rewrites it.

An item's status comes from the outcomes of the tests that prove it (listed in ITEMS by node-id
fragment, so tests elsewhere count without importing anything). Figures come from the tests
themselves through pytest's built-in `record_property` fixture:

    record_property("reliability", {"sent": 3, "stored": 1})

An item with no test run in the session is "not covered", never "passed"."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from localinfra.topics import group_lag, group_members, read_topic  # noqa: F401  (the fault tests import them from here)
from localinfra.waiting import wait_for  # noqa: F401

REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability.md"


@dataclass
class Item:
    section: str
    title: str
    criterion: str
    tests: tuple[str, ...]  # node-id fragments of the tests that prove it
    outcomes: dict[str, str] = field(default_factory=dict)
    figures: list[tuple[str, dict]] = field(default_factory=list)
    seconds: float = 0.0


def _items() -> list[Item]:
    f, s = "Faults and load", "Security"
    return [
        Item(
            f,
            "A 30 s broker outage with every process running (issue 20 item 3)",
            "at most 200 log lines across the platform during the outage; the relay says degraded, then recovered; "
            "the event stored during the outage reaches the read model",
            ("tests/faults/test_quiet_outage.py::",),
        ),
        Item(
            f,
            "Broker SIGKILL mid-stream of commands, restarted",
            "every 2xx command's event stored; read models equal a rebuild; lag back to zero",
            ("tests/faults/test_broker_kill.py::",),
        ),
        Item(
            f,
            "Reporting worker killed after updating a read model, before committing its offset",
            "no double count (SIGKILL at that exact instant, tests/crash_points.py; the events applied but not "
            "committed are counted)",
            (
                "tests/integration/reporting/test_worker_on_kafka.py"
                "::test_worker_projects_all_four_topics_survives_a_kill",
                "services/reporting/tests/test_projection.py::test_store_counts_a_redelivered_event_once",
            ),
        ),
        Item(
            f,
            "Relay killed after publishing, before saving its checkpoint",
            "duplicates on the topic, none in the read models (SIGKILL at that exact instant, tests/crash_points.py)",
            ("tests/e2e/test_relay_crash.py::",),
        ),
        Item(
            f,
            "Reporting workers scaled 1 -> 2 -> 1 during a stream",
            "no lost or duplicated effects",
            ("tests/faults/test_worker_scaling.py::",),
        ),
        Item(
            f,
            "PostgreSQL stopped for 30 s during writes",
            "503 with Retry-After, never a 2xx for an unstored event; recovers by itself",
            ("tests/faults/test_postgres_outage.py::",),
        ),
        Item(
            f,
            "Backup and restore drill: every PostgreSQL database dumped, restored into an empty server "
            "(issue 20 item 5)",
            "restore refuses a non-empty server, a tampered dump and missing roles; after it the relay resumes at its "
            "checkpoint (every event on the topic exactly once), the read model equals the pre-backup one and a "
            "rebuild, the audit sink's chains verify",
            ("tests/faults/test_backup_restore.py::",),
        ),
        Item(
            f,
            "The same command three times with one idempotency key",
            "one event, the same answer each time",
            ("tests/faults/test_idempotency.py::",),
        ),
        Item(
            f,
            "Poison messages: bad JSON, not an envelope, schema violation, broken header encoding",
            "each in the topic's .dlq with context headers; the partition keeps moving",
            ("tests/e2e/test_bad_input.py::test_poison_messages_go_to_the_dead_letter_topic",),
        ),
        Item(
            f,
            "Bad input through the gateway: unknown area codes, invalid bodies",
            "422 with a readable Chinese message naming the field, nothing stored",
            (
                "tests/e2e/test_bad_input.py::test_unknown_area_code_is_422",
                "tests/e2e/test_bad_input.py::test_invalid_body_is_422",
            ),
        ),
        Item(
            f,
            "Poison message: a 10 MB value",
            "in the .dlq (truncated) with context headers; the partition keeps moving",
            ("tests/faults/test_big_poison.py::",),
        ),
        Item(
            f,
            "Upcasting: a v1 event and its v2 successor both project",
            "both counted correctly",
            ("tests/faults/test_upcasting.py::",),
        ),
        Item(
            f,
            "An event of an unknown newer version",
            "goes to the DLQ, the worker keeps going",
            (
                "tests/e2e/test_bad_input.py::test_poison_messages_go_to_the_dead_letter_topic",
                "services/reporting/tests/test_projection.py::test_unknown_version_of_a_known_event_is_a_projection_error",
            ),
        ),
        Item(
            f,
            "Load at a fixed rate on loopback (20 commands/s for 3 minutes)",
            "no errors, bounded lag, memory flat",
            ("tests/faults/test_load.py::",),
        ),
        Item(
            s,
            "Gateway authorisation matrix over every route and role (stubbed services, and the full platform with "
            "real objects in two counties, exports and report downloads included)",
            "every cell as gateway/access.py says (403 / uniform 404 / reaches the service); nothing of the other "
            "county in any answer",
            ("tests/gateway/test_authorisation_matrix.py::", "tests/e2e/test_scoped_access_platform.py::"),
        ),
        Item(
            s,
            "Field encryption: no canary personal data in stores, topics, DLQs, logs, spans",
            "none found",
            ("tests/e2e/test_zz_privacy_sweep.py::",),
        ),
        Item(
            s,
            "Audit log: one record per case read, append-only, hash chain verifies, tampering detected",
            "as stated",
            (
                "tests/e2e/test_case_reads_audited.py::",
                "services/gateway/tests/test_audit.py::",
                "services/casework/tests/test_audit.py::",
            ),
        ),
        Item(
            s,
            "Resource limits: 413 oversized bodies, deep JSON 422, page sizes capped (422), 429 rate limits",
            "as stated; a body nested 10,000 deep is a Chinese 422, never a 5xx or a hang",
            ("services/gateway/tests/test_limits.py::", "tests/e2e/test_deep_json.py::"),
        ),
        Item(
            s,
            "Token attacks",
            "refused with 401",
            (
                "services/gateway/tests/test_authentication.py::test_token_attacks_are_refused",
                "services/gateway/tests/test_oidc.py::test_token_attacks_are_refused_with_401",
            ),
        ),
        Item(
            s,
            "schemathesis over the whole OpenAPI document",
            "no 5xx, no schema violations",
            ("tests/e2e/test_schemathesis.py::",),
        ),
        Item(
            s,
            "S17 A non-audit administrator cannot disable or alter audit (三权分立, issue 18 item 1)",
            "every non-audit role's attempt to read, change, delete or switch off the gateway's or casework's audit "
            "is refused; earlier records unchanged, writing goes on; the three administrators' own actions audited",
            (
                "services/gateway/tests/test_separation.py::",
                "tests/gateway/test_authorisation_matrix.py::test_policy_invariants",
            ),
        ),
        Item(
            s,
            "S18 The audit sink's counts equal the sources' (issue 18 item 2)",
            "the gateway's, casework's and talent's audit records shipped unchanged and once (a re-run appends "
            "nothing); the shipper's UPDATE/DELETE/TRUNCATE refused; every change in the sink found by verify; the "
            "chains verify across an archive; counts per source and action equal the sources' (SQLite and PostgreSQL)",
            ("shared/tests/test_audit_sink.py::",),
        ),
        Item(
            s,
            "S24 No cell of a vulnerable category below 5 at township or village level (issue 18 item 8)",
            "a count of 1-4 people shows as \"<5\" in the JSON view, the XLSX, the PDF and the printable page; "
            "county and above exact; no suppressed cell recoverable by subtracting along a line (a parent total "
            "and its siblings, a total and its parts), checked against every value the marks allow",
            ("services/reporting/tests/test_small_numbers.py::",),
        ),
        Item(
            s,
            "S21 A bulk personal-data export without a second approver is refused (issue 18 item 7)",
            "refused with 403 without an approval by another administrator of the area; with one, one export; "
            "all audited",
            ("services/gateway/tests/test_bulk_export.py::",),
        ),
        Item(
            s,
            "S22 MFA required; a disabled account's session dead within 60 s (issue 18 item 7)",
            "no call of a session without a TOTP code but enrolment; no sign-in without a fresh code; the disabled "
            "account's sessions and API keys refused at their next request",
            ("services/gateway/tests/test_mfa.py::",),
        ),
        Item(
            s,
            "S23 No docs, schema or metrics route reachable through the gateway (issue 18 item 9, the production "
            "settings of compose and Kubernetes)",
            "every docs, OpenAPI and metrics path of the gateway and of each service answers 401/404/405 to every "
            "role and to anonymous callers, none is forwarded; each service's app, prepared as its process serves "
            "it, serves none of them",
            ("tests/gateway/test_no_exposure.py::",),
        ),
    ]


class ReliabilityReport:
    """Registered as a plugin (not a conftest) so its hooks see every test of the session."""

    def __init__(self) -> None:
        self.items = _items()

    def _matching(self, nodeid: str) -> list[Item]:
        return [item for item in self.items if any(fragment in nodeid for fragment in item.tests)]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        items = self._matching(report.nodeid)
        if not items:
            return
        outcome = report.outcome
        if report.when == "setup" and outcome == "passed":
            return
        if report.when == "teardown" and outcome == "passed":
            return
        for item in items:
            previous = item.outcomes.get(report.nodeid)
            # A failure in any phase wins over a pass in another.
            if previous not in ("failed",):
                item.outcomes[report.nodeid] = "failed" if outcome == "failed" else outcome
            if report.when == "call":
                item.seconds += report.duration
                for name, value in report.user_properties:
                    if name == "reliability":
                        item.figures.append((report.nodeid.split("::")[-1], value))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not any(item.outcomes for item in self.items):
            return  # no reliability test ran: keep the last report
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(self.render(), encoding="utf-8")

    def render(self) -> str:
        lines = ["# Reliability and security report (issue 10)", "",
                 f"Written by the test suite (tests/faults/conftest.py) at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
                 "A run writes test-artifacts/reliability.md; reports/reliability.md is that file copied after a full",
                 "`make test` (docs/operations.md, Failure behaviour).",
                 "An item is *passed* only when every test that proves it ran and passed in this session;",
                 "*not covered* means no such test ran (or none exists yet).", ""]
        for section in dict.fromkeys(item.section for item in self.items):
            lines += [f"## {section}", "", "| Item | Criterion | Result | Tests | Figures |", "|---|---|---|---|---|"]
            for item in (i for i in self.items if i.section == section):
                outcomes = set(item.outcomes.values())
                status = (
                    "not covered"
                    if not outcomes
                    else "FAILED"
                    if "failed" in outcomes
                    else "passed"
                    if outcomes == {"passed"}
                    else "skipped"
                    if outcomes == {"skipped"}
                    else "partly skipped"
                )
                figures = "; ".join(f"{test}: " + ", ".join(f"{k}={v}" for k, v in values.items())
                                    for test, values in item.figures) or "—"
                tests = (
                    f"{sum(o == 'passed' for o in item.outcomes.values())}/{len(item.outcomes)} passed"
                    if item.outcomes
                    else "—"
                )
                if item.outcomes:
                    tests += f" ({item.seconds:.0f} s)"
                lines.append(f"| {item.title} | {item.criterion} | **{status}** | {tests} | {figures} |")
            lines.append("")
        return "\n".join(lines)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pzh-reliability-report"):
        config.pluginmanager.register(ReliabilityReport(), "pzh-reliability-report")


# -- helpers for the fault tests ------------------------------------------------------------------


def sqlite_event_count(data_dir: Path, name: str) -> int:
    """Events in a service's SQLite store (read-only; the service keeps writing)."""
    path = Path(data_dir) / f"{name}.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@pytest.fixture(scope="session")
def own_broker():
    """A Kafka broker of the fault tests alone: they kill it, restart it and send it 10 MB values,
    which the session's shared broker (and the platform on it) must never see."""
    from localinfra.kafka import KafkaBroker

    broker = KafkaBroker()
    broker.start()
    yield broker
    broker.stop()


SOURCE_TOPICS = ("registry.events", "talent.events", "casework.events", "funding.events")


def verify_rebuild(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python -m reporting rebuild --verify` with a worker's settings: exit 0 when a from-scratch
    rebuild from the topics equals the live read models."""
    return subprocess.run([sys.executable, "-m", "reporting", "rebuild", "--verify"], env=env, capture_output=True,
                          text=True, timeout=600)


def assert_rebuild_equals_live(env: dict[str, str], tries: int = 10) -> None:
    """verify_rebuild until it passes, at most `tries` times: a worker's next batch commit may be pending."""
    result = None
    for _ in range(tries):
        result = verify_rebuild(env)
        if result.returncode == 0:
            break
        time.sleep(2)
    assert result is not None and result.returncode == 0, result.stdout + result.stderr


# The processes from a registry command to a reporting read model, started in this order.
PIPELINE = ("registry-api", "registry-relay", "reporting-api", "reporting-worker")


def township_rooms(reporting: httpx.Client, townships: list[str]) -> list[int]:
    """Each township's village-room count in the reporting read model."""
    return [reporting.get(f"/read-models/stations/{t}").json()["stations"].get("village_room", 0) for t in townships]


def import_villages(registry_url: str, townships: list[str], per_township: int, prefix: str) -> None:
    """Registers each township (named prefix + its last three digits) and its villages 000.. with the registry."""
    with httpx.Client(base_url=registry_url, timeout=300, headers={"x-user": "fault-tests"}) as registry:
        for township in townships:
            csv = f"code,name,valid_from\n{township},{prefix}{township[-3:]},2020-01-01\n" + "".join(
                f"{township}{n:03d},第{n}村,2020-01-01\n" for n in range(per_township))
            reply = registry.post("/areas/import", content=csv.encode(), headers={"content-type": "text/csv"})
            assert reply.status_code == 201, reply.text


async def open_rooms(url: str, townships: list[str], per_township: int, answers: dict[str, str], failures: list[str],
                     senders: int, pause: float = 0.0, retries: list[str] | None = None) -> None:
    """Opens a village room in every village of the townships, `senders` at a time, noting each
    answer's station id by village code (or the failure). With `retries`, a dropped connection is
    retried up to five times with the same Idempotency-Key, so it can never open a second room, and
    noted there; without, it fails the stream."""
    queue = [(t, n) for n in range(per_township) for t in townships]
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={"x-user": "fault-tests"}) as client:
        async def sender() -> None:
            while queue:
                township, n = queue.pop()
                village = f"{township}{n:03d}"
                body = {"name": f"第{n}村社会工作服务室", "tier": "village_room", "area_code": village}
                key = {"Idempotency-Key": f"room-{village}"} if retries is not None else {}
                for attempt in range(5 if retries is not None else 1):
                    try:
                        reply = await client.post("/stations", json=body, headers=key)
                        break
                    except httpx.TransportError as exc:
                        if retries is None:
                            raise
                        retries.append(repr(exc))
                        await asyncio.sleep(0.5 * (attempt + 1))
                else:
                    failures.append(f"no answer for room-{village}")
                    continue
                if reply.status_code == 201:
                    answers[village] = reply.json()["station_id"]
                else:
                    failures.append(f"{reply.status_code} {reply.text[:200]}")
                await asyncio.sleep(pause)

        await asyncio.gather(*(sender() for _ in range(senders)))


def fault_platform(bootstrap: str, data_dir: Path, group: str, **env: str):
    """A Platform on `bootstrap` whose reporting worker has its own consumer group."""
    from localinfra.platform import Platform

    return Platform(kafka_bootstrap=bootstrap, data_dir=data_dir, extra_env={"REPORTING_APP_ID": group, **env})


