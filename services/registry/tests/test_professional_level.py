"""The professional level (issue 17 item 5): §二(一) "鼓勵站內孵化培育社會工作服務機構……達到'有專職持證社會工作者、
有社會工作服務機構、能開展專業社會工作服務'層次". An organisation incubated at the station and registered is
"有社會工作服務機構" as much as an agency brought in by purchase; "能開展專業社會工作服務" is a case or project of
the station in force that day (the plan gives no number: one), never a typed flag."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from pzh_shared.eventstore import make_application
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.domain.errors import RegistryError
from registry.domain.levels import BASIC_ITEMS, CHECKLIST_ITEMS, Level
from registry.domain.station import OperatingModel, Station, Tier
from registry.settings import RegistrySettings

PLANNED = date(2021, 4, 1)
STANDARD_ON = date(2021, 5, 1)


def _standard(operating_model: OperatingModel = OperatingModel.SELF_OPERATED) -> Station:
    """A township station standard from 05-01 with a full-time certified head and a certified part-timer."""
    agency = "攀枝花市阳光社会工作服务中心" if operating_model is OperatingModel.AGENCY else None
    station = Station.plan("攀莲镇社会工作服务站", Tier.TOWNSHIP_STATION, "510421001", PLANNED,
                           operating_model=operating_model, agency=agency)
    for item in BASIC_ITEMS + CHECKLIST_ITEMS:
        station.record_facility(item, True, "现场核查", STANDARD_ON)
    station.record_staff("head", True, STANDARD_ON)
    station.record_certificate("head", "assistant_social_worker", STANDARD_ON)
    station.record_staff("w2", False, STANDARD_ON)
    station.record_certificate("w2", "social_worker", STANDARD_ON)
    station.appoint_head("head", STANDARD_ON)
    assert station.level is Level.STANDARD
    return station


def test_an_organisation_incubated_and_registered_at_a_self_operated_station_is_its_service_agency():
    """§二(一) "鼓勵站內孵化培育社會工作服務機構" and "有社會工作服務機構": a self-operated station has no agency by
    purchase; the organisation it incubated counts from the day it was registered."""
    station = _standard()
    station.record_casework("case", "case-1", True, date(2021, 6, 1))
    assert station.level is Level.STANDARD  # services, but no agency yet
    station.record_incubated_agency("org-1", date(2021, 9, 15))
    assert station.levels[-1] == (date(2021, 9, 15), Level.PROFESSIONAL)
    assert station.level_on(date(2021, 9, 14)) is Level.STANDARD


def test_an_agency_brought_in_by_purchase_still_counts():
    """A2 §4.1 (购买服务引入驻站机构) with §二(一) "有社會工作服務機構": the purchased agency counts from the plan."""
    station = _standard(OperatingModel.AGENCY)
    station.record_casework("project", "project-1", True, date(2021, 6, 1))
    assert station.levels[-1] == (date(2021, 6, 1), Level.PROFESSIONAL)


def test_professional_services_are_the_cases_and_projects_in_force_on_the_day():
    """§二(一) "能開展專業社會工作服務": professional on the days a case (opened, until closed or transferred away)
    or a project (started, until its performance evaluation) of the station is in force, and only then."""
    station = _standard(OperatingModel.AGENCY)
    station.record_casework("case", "case-1", True, date(2021, 6, 1))
    station.record_casework("project", "project-1", True, date(2021, 6, 20))
    station.record_casework("case", "case-1", False, date(2021, 7, 1))  # closed; the project goes on
    assert station.level_on(date(2021, 7, 1)) is Level.PROFESSIONAL
    station.record_casework("project", "project-1", False, date(2021, 8, 1))  # evaluated: nothing in force
    assert station.levels[-2:] == [(date(2021, 6, 1), Level.PROFESSIONAL), (date(2021, 8, 1), Level.STANDARD)]
    station.record_casework("case", "case-2", True, date(2021, 8, 1))  # a case opened the same day
    assert station.levels[-1] == (date(2021, 6, 1), Level.PROFESSIONAL)
    assert station.services_on(date(2021, 5, 31)) is False and station.services_on(date(2021, 12, 31)) is True


def test_without_a_full_time_certified_worker_cases_and_an_agency_do_not_make_it_professional():
    """§二(一) "有專職持證社會工作者": the first of the three haves still holds."""
    station = _standard(OperatingModel.AGENCY)
    station.record_casework("case", "case-1", True, date(2021, 6, 1))
    station.record_staff("head", False, date(2021, 7, 1))  # the head goes part-time: standard is lost too
    assert station.level_on(date(2021, 6, 30)) is Level.PROFESSIONAL
    assert station.level_on(date(2021, 7, 1)) is Level.BASIC


def test_the_three_haves_in_every_order_give_the_same_level_history():
    """§二(一) "有專職持證社會工作者、有社會工作服務機構、能開展專業社會工作服務" with issue 17 item 1: the incubated
    agency and the cases and projects are dated facts like staff and facilities; their order of arrival changes
    nothing."""
    facts = {
        "agency 06-15": lambda s: s.record_incubated_agency("org-1", date(2021, 6, 15)),
        "case opened 06-01": lambda s: s.record_casework("case", "case-1", True, date(2021, 6, 1)),
        "case closed 07-01": lambda s: s.record_casework("case", "case-1", False, date(2021, 7, 1)),
        "project 06-20": lambda s: s.record_casework("project", "project-1", True, date(2021, 6, 20)),
        "project evaluated 09-01": lambda s: s.record_casework("project", "project-1", False, date(2021, 9, 1)),
    }
    expected = [(PLANNED, Level.NONE), (STANDARD_ON, Level.STANDARD), (date(2021, 6, 15), Level.PROFESSIONAL),
                (date(2021, 9, 1), Level.STANDARD)]
    for order in itertools.permutations(facts):
        station = _standard()
        for name in order:
            facts[name](station)
        assert station.levels == expected, order


def test_a_typed_services_flag_replays_but_no_longer_decides_the_level():
    """Issue 17 item 5: "能開展專業社會工作服務" is shown by recorded professional services, "not by a typed flag".
    A station's stored ProfessionalServicesRecorded still replays (and shows in its history) but counts for
    nothing: with the agency and no case or project, the station stays standard."""
    station = _standard(OperatingModel.AGENCY)
    station._services_recorded(delivered=True, on=date(2021, 6, 1))  # as a stored event replays
    station.record_incubated_agency("org-1", date(2021, 6, 2))  # any later fact recomputes the history
    assert station.typed_services == [(date(2021, 6, 1), True)]
    assert station.level is Level.STANDARD and not hasattr(station, "record_professional_services")


def test_an_unknown_kind_of_casework_is_refused():
    with pytest.raises(RegistryError, match="未知的服务记录类型"):
        _standard().record_casework("visit", "x", True, date(2021, 6, 1))


# -- the application's commands and the API -----------------------------------------------------------------

@pytest.fixture
def client(tmp_path):
    application = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    with TestClient(create_app(application)) as client:
        csv = ("code,name,parent_code,reform_affected,valid_from,vintage\n"
               "510421001,攀莲镇,510421,是,2020-06-01,2020\n510421002,丙谷镇,510421,否,2020-06-01,2020\n")
        reply = client.post("/areas/import", content=csv.encode(), headers={"content-type": "text/csv"})
        assert reply.status_code == 201
        yield client


def _open(client, area_code: str) -> str:
    reply = client.post("/stations", json={"name": f"{area_code}站", "tier": "township_station",
                                           "area_code": area_code, "planned_on": "2021-04-01",
                                           "opened_on": "2021-04-15"})
    assert reply.status_code == 201, reply.text
    return reply.json()["station_id"]


def test_a_transferred_case_leaves_one_station_and_is_in_force_at_the_other(client):
    """§二(一) "能開展專業社會工作服務" at the station now responsible for the case (casework.case.transferred.v1)."""
    application: RegistryApplication = client.app.state.application
    first, second = _open(client, "510421001"), _open(client, "510421002")
    application.record_casework(Tracking("casework.events:0", 1), first, "case", "case-1", True, date(2021, 6, 1))
    application.record_case_transferred(Tracking("casework.events:0", 2), "case-1", first, second, date(2021, 7, 1))
    a, b = application.station(first), application.station(second)
    assert (a.services_on(date(2021, 6, 30)), a.services_on(date(2021, 7, 1))) == (True, False)
    assert (b.services_on(date(2021, 6, 30)), b.services_on(date(2021, 7, 1))) == (False, True)
    entries = client.get(f"/stations/{second}/history").json()["entries"]
    assert [(e["kind"], e["work"], e["work_id"], e["in_force"], e["on"]) for e in entries if e["kind"] == "casework"] \
        == [("casework", "case", "case-1", True, "2021-07-01")]


def test_an_operator_can_no_longer_type_professional_services(client):
    """Issue 17 item 5: "not by a typed flag": the registry offers no command to type it."""
    station_id = _open(client, "510421001")
    reply = client.put(f"/stations/{station_id}/professional-services", json={"delivered": True, "on": "2021-06-01"})
    assert reply.status_code in (404, 405)
    assert "/stations/{station_id}/professional-services" not in client.get("/openapi.json").json()["paths"]
