"""The professional level on the real broker (issue 17 item 5, §二(一) "有專職持證社會工作者、有社會工作服務機構、
能開展專業社會工作服務"): an organisation incubated at a self-operated station and registered (talent.events) and a
case and a project of the station (casework.events), consumed by the registry's `staffing` role's two
consumers, raise a standard station to professional with the right dates; a replay changes nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from pathlib import Path

import jsonschema
from localinfra.topics import drive_consumer, publish
from pzh_shared.eventstore import make_application
from pzh_shared.relay import OutboxRelay
from registry.__main__ import LevelFacts
from registry.__main__ import staffing as staffing_role
from registry.adapters.integration import PUBLICATION
from registry.application.service import AreaRow, RegistryApplication
from registry.consumers.casework import casework_consumer
from registry.consumers.staffing import staffing_consumer
from registry.domain.levels import BASIC_ITEMS, CHECKLIST_ITEMS, Level
from registry.domain.station import Tier
from registry.settings import RegistrySettings

from ..envelopes import fresh_envelope
from ..outbox import relay_everything
from .test_registry_on_kafka import _read

ROOT = Path(__file__).resolve().parents[3] / "services"
D = date(2021, 6, 30)


def _valid(event_type: str, data: dict) -> dict:
    """The message as its producer's committed schema allows it, so the test cannot drift from casework or talent."""
    service = event_type.split(".")[0]
    jsonschema.validate(data, json.loads((ROOT / service / "schemas" / f"{event_type}.json").read_text("utf-8")))
    return data


def test_an_incubated_agency_and_casework_on_their_topics_make_a_station_professional(kafka_bootstrap, tmp_path):
    app = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    app.seed()
    app.register_areas([AreaRow("510421005", "测试镇", False, date(2020, 1, 1))])
    station_id = str(app.plan_station(tier=Tier.TOWNSHIP_STATION, area_code="510421005", opened_on=D,
                                      planned_on=D, name="测试镇社会工作服务站"))
    station = app.station(station_id)
    for item in BASIC_ITEMS + CHECKLIST_ITEMS:
        station.record_facility(item, True, "现场核查照片", D)
    station.record_staff("head", True, D)
    station.record_certificate("head", "assistant_social_worker", D)
    station.record_staff("w2", False, D)
    station.record_certificate("w2", "social_worker", D)
    station.appoint_head("head", D)
    app.save(station)
    assert app.station(station_id).level is Level.STANDARD

    case_id, project_id, contract_id, organisation_id = (str(uuid.uuid4()) for _ in range(4))
    talent_topic, casework_topic = (f"{name}{uuid.uuid4().hex[:6]}.events" for name in ("talent", "casework"))
    talent = [fresh_envelope("/pzh/talent", "talent.organisation.registered.v1", _valid(
        "talent.organisation.registered.v1", {"organisation_id": organisation_id, "host_station_id": station_id,
                                              "registration_number": "52510421MJ0000001X",
                                              "registered_on": "2021-09-01"}), subject=organisation_id)]
    case = {"case_id": case_id, "station_id": station_id, "area_code": "510421005", "domain": "elderly_care",
            "risk_level": "low", "age_band": "80+"}
    project = {"project_id": project_id, "station_id": station_id, "contract_id": contract_id}
    casework = [
        fresh_envelope("/pzh/casework", "casework.case.opened.v1", _valid(
            "casework.case.opened.v1", {**case, "opened_on": "2021-08-01"}), subject=case_id),
        fresh_envelope("/pzh/casework", "casework.case.closed.v1", _valid(
            "casework.case.closed.v1", {**case, "closed_on": "2021-10-01", "duration_days": 61}), subject=case_id),
        fresh_envelope("/pzh/casework", "casework.project.started.v1", _valid(
            "casework.project.started.v1", {**project, "domain": "elderly_care", "started_on": "2021-09-20"}),
            subject=project_id),
        fresh_envelope("/pzh/casework", "casework.project.evaluated.v1", _valid(
            "casework.project.evaluated.v1", {**project, "score": 88.5, "evaluated_on": "2021-12-20"}),
            subject=project_id),
        # a station the registry does not know: dead-lettered, never guessed at
        fresh_envelope("/pzh/casework", "casework.case.opened.v1", {**case, "station_id": str(uuid.uuid4()),
                                                                    "opened_on": "2021-08-01"}),
    ]
    asyncio.run(publish(kafka_bootstrap, talent_topic, talent))
    asyncio.run(publish(kafka_bootstrap, casework_topic, casework))

    def role(group: str) -> LevelFacts:
        """The `staffing` role's two consumers as `python -m registry staffing` has them, on this test's topics."""
        return LevelFacts(
            staffing_consumer(app, kafka_bootstrap, topic=talent_topic, group_id=f"registry-staffing-{group}"),
            casework_consumer(app, kafka_bootstrap, topic=casework_topic, group_id=f"registry-casework-{group}"))

    async def run(facts: LevelFacts, expected: tuple[int, int], settle: float = 0.0) -> None:
        await asyncio.gather(*(drive_consumer(c, n, settle) for c, n in zip(facts.consumers, expected, strict=True)))

    first = role("a")
    asyncio.run(run(first, (len(talent), len(casework))))
    staffing, cases = first.consumers
    assert (staffing.applied, cases.applied, cases.dead_lettered) == (1, 4, 1)
    station = app.station(station_id)
    # professional from the registration (09-01; the case is open from 08-01, the project from 09-20) until the
    # project's evaluation (12-20), the case having closed on 10-01
    assert station.levels == [(D, Level.NONE), (D, Level.STANDARD), (date(2021, 9, 1), Level.PROFESSIONAL),
                              (date(2021, 12, 20), Level.STANDARD)]
    version = station.version

    again = role("b")  # new groups replay both topics: everything is tracked already, nothing changes
    asyncio.run(run(again, (0, 0), settle=3.0))
    assert [(c.applied, c.dead_lettered) for c in again.consumers] == [(0, 0), (0, 0)]
    assert app.station(station_id).version == version
    deployed = staffing_role(app, RegistrySettings(data_dir=tmp_path))  # what the deployments run
    assert [(c.topic, c.group_id) for c in deployed.consumers] == [
        ("talent.events", "registry-staffing"), ("casework.events", "registry-casework")]

    service = f"registry{uuid.uuid4().hex[:6]}"
    asyncio.run(relay_everything(OutboxRelay(app, PUBLICATION.translate, kafka_bootstrap, service)))
    published = asyncio.run(_read(kafka_bootstrap, f"{service}.events",
                                  lambda seen: any(e.data.get("level") == "professional" for e in seen)))
    revisions = [e.data for e in published if e.type == "registry.station.level_changed.v2"
                 and e.data["station_id"] == station_id]
    assert any(c == {"level": "professional", "previous_level": "standard", "effective_on": "2021-09-01"}
               for r in revisions for c in r["changes"])
