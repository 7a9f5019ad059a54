"""The province deployment of services/reporting/tests/test_province_deployment.py through the real broker and
the real worker process, on a broker of its own (conftest.py: the ranking counts every station under the
province, so only this test's events may be on the topics): Sichuan's areas loaded from
deploy/data/areas-2023.csv by the registry's loader, the stations of 成都市 and 攀枝花市 and talent's records,
their published events sent to registry.events and talent.events as a relay sends them (each service's events
keyed by one subject, so one partition keeps the log's order), `python -m reporting worker` projecting them; the
province's notice ranks Sichuan's 21 cities and 东区's notice its townships, with the figures computed in that
test from what was entered."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sqlite3
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from localinfra.topics import publish_each
from localinfra.waiting import wait_for
from pzh_shared.envelope import Envelope
from pzh_shared.kafka import ensure_topics
from registry.adapters.reference import read_areas
from reporting.adapters.store import ReadModelStore
from reporting.consumers.worker import SOURCE_TOPICS
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate
from reporting.settings import ReportingSettings

from ..processes import start, stop

# The events and the expected figures are defined once, in the service's test (a file, not a package).
_CASE = Path(__file__).resolve().parents[3] / "services" / "reporting" / "tests" / "test_province_deployment.py"
_SPEC = importlib.util.spec_from_file_location("reporting_province_case", _CASE)
assert _SPEC is not None and _SPEC.loader is not None
province = sys.modules["reporting_province_case"] = importlib.util.module_from_spec(_SPEC)  # its dataclass needs it
_SPEC.loader.exec_module(province)


def _processed(path: Path, ids: set[str]) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return len({row[0] for row in conn.execute("SELECT event_id FROM processed_events")} & ids)
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def test_a_province_deployment_through_the_broker_and_the_worker(own_bootstrap, tmp_path):
    run = uuid.uuid4().hex[:8]
    messages = []
    for n, (eid, etype, data) in enumerate(province.province_events(tmp_path / "services")):
        service = etype.split(".")[0]
        messages.append((f"{service}.events", Envelope(id=eid, source=f"/{service}", type=etype,
                                                       subject=f"{service}-province-{run}",
                                                       time=datetime(2024, 1, 1, tzinfo=UTC), data=data)))
        assert n < 5000
    ids = {envelope.id for _, envelope in messages}
    asyncio.run(ensure_topics(own_bootstrap, {t: 3 for t in SOURCE_TOPICS} | {f"{t}.dlq": 3 for t in SOURCE_TOPICS}))
    data_dir = tmp_path / "reporting"
    data_dir.mkdir()
    env = dict(os.environ, REPORTING_KAFKA_BOOTSTRAP=own_bootstrap, REPORTING_DATA_DIR=str(data_dir),
               REPORTING_APP_ID=f"reporting-province-{run}", REPORTING_CITY_CODE=province.SICHUAN,
               REPORTING_BROKER_SESSION_TIMEOUT="6", PYTHONUNBUFFERED="1")
    live = data_dir / "reporting.sqlite"
    log = tmp_path / "worker.log"
    with open(log, "ab") as out:
        worker = start("reporting", "worker", env, out)
        try:
            asyncio.run(publish_each(own_bootstrap, messages))
            wait_for(lambda: _processed(live, ids) == len(ids), timeout=180, what="every province event projected",
                     explain=lambda: log.read_text(errors="replace")[-3000:])
        finally:
            stop(worker)
    store = ReadModelStore(live)
    try:
        archive = ReportArchive(tmp_path / "reports")
        settings = ReportingSettings(city_code=province.SICHUAN, data_dir=data_dir)
        meta = generate(store, archive, "quarterly_notice", province.PERIOD, settings=settings)
        province.check_province_notice(province._content(archive, meta))
        names = {r.code: r.name for r in read_areas(province.AREAS_FILE)}
        meta = generate(store, archive, "quarterly_notice", province.PERIOD, settings=settings, area=province.EAST)
        county = province._content(archive, meta, province.EAST)
        province.check_county_notice(county, province.PLANS[province.PANZHIHUA], province.EAST, names)
    finally:
        store.close()
