"""The reform-affected share of incubated organisations (issue 17 item 6): §二(四) and A2 §3.1.4 "每個社會工作服務站
每年至少完成3個功能服務型和3個興趣愛好志愿服務型社區社會組織孵化培育(其中涉改社區比例不低于30%)". Whether an
organisation is in a reform-affected community (涉改社區) is the registry's dated reform flag of its community on the
day it was filed, learnt from `registry.events`, never typed at filing."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from talent.adapters.wiring import build_application
from talent.api.app import create_app
from talent.consumers.stations import subscription
from talent.domain.errors import NotFound, TalentError
from talent.domain.quotas import StationKind
from talent.domain.vocabulary import OrganisationType
from talent.settings import TalentSettings

VILLAGE = "510402001007"
_offsets = iter(range(1, 10_000))


def _registry(app, event_type: str, data: dict) -> Tracking:
    tracking = Tracking("registry.events:2", next(_offsets))
    subscription(app).apply(event_type, data, tracking)
    return tracking


def _registered(app, code: str, reform_affected: bool, valid_from: str = "2020-06-01") -> None:
    _registry(app, "registry.area.registered.v1", {
        "area_code": code, "parent_code": code[:9], "level": "village", "name": "某社区",
        "reform_affected": reform_affected, "valid_from": valid_from, "vintage": "2020"})


def _flag(app, code: str, reform_affected: bool, on: str) -> Tracking:
    return _registry(app, "registry.area.changed.v1", {"area_code": code, "change": "reform_flag_set",
                                                       "effective_on": on, "reform_affected": reform_affected})


def test_the_flag_is_the_communitys_on_the_filing_day(talent_app):
    """"其中涉改社區比例不低于30%": the community's 涉改 flag as the registry dates it, on the day the organisation
    was filed: a flag set after the filing does not change it, one dated before it does."""
    _registered(talent_app, VILLAGE, False)
    _flag(talent_app, VILLAGE, True, "2021-03-01")  # the community found reform-affected from March
    station = str(uuid.uuid4())
    before = talent_app.file_organisation("二月协会", station, VILLAGE, date(2021, 2, 28))
    after = talent_app.file_organisation("三月协会", station, VILLAGE, date(2021, 3, 1))
    assert [talent_app.organisation(o).reform_affected for o in (before, after)] == [False, True]
    _flag(talent_app, VILLAGE, False, "2021-06-01")  # later changes leave the filed ones as they were on their day
    assert talent_app.organisation(after).reform_affected is True
    assert talent_app.organisation(after).community_code == VILLAGE


def test_a_community_the_registry_has_not_registered_is_refused_naming_the_field(talent_app):
    with pytest.raises(TalentError, match=r"所在社区\(community_code\) 510402001099"):
        talent_app.file_organisation("某协会", str(uuid.uuid4()), "510402001099", date(2021, 2, 1))
    _registered(talent_app, "510402001099", True, valid_from="2021-05-01")
    with pytest.raises(TalentError, match="未在登记服务中登记"):  # not yet valid on the filing day
        talent_app.file_organisation("某协会", str(uuid.uuid4()), "510402001099", date(2021, 2, 1))


def test_the_share_of_30_percent_counts_the_derived_flags(talent_app, plan_station):
    """"其中涉改社區比例不低于30%" ("不低于" includes 30%): 2 of 6 organisations filed in the reform-affected
    community is 33.3%, met; the flag comes from the registry's community, not from the filing."""
    _registered(talent_app, "510402001011", True)
    _registered(talent_app, "510402001012", False)
    station = str(uuid.uuid4())
    plan_station(talent_app, station)
    for n in range(6):
        organisation = talent_app.file_organisation(
            f"协会{n}", station, "510402001011" if n < 2 else "510402001012", date(2021, 1, 10))
        talent_app.start_incubation(organisation, date(2021, 2, 1))
        talent_app.complete_incubation(organisation, list(OrganisationType)[n % 2], date(2021, 6, 1))
    share = {r.code: r for r in talent_app.evaluate_quotas(station, 2021, StationKind.OTHER)}[
        "reform_affected_share_year"]
    assert (share.actual, share.met) == (33.3, True)


def test_renames_and_retirements_are_tracked_and_a_flag_of_an_unknown_area_is_refused(talent_app):
    _registered(talent_app, VILLAGE, False)
    before = talent_app.recorder.max_notification_id()
    renamed = _registry(talent_app, "registry.area.changed.v1", {"area_code": VILLAGE, "change": "renamed",
                                                                  "effective_on": "2021-01-01", "name": "新社区"})
    assert talent_app.already_tracked(renamed) and talent_app.recorder.max_notification_id() == before
    again = _flag(talent_app, VILLAGE, False, "2020-06-01")  # the flag it already had from that day: no event
    assert talent_app.already_tracked(again) and talent_app.recorder.max_notification_id() == before
    with pytest.raises(NotFound, match="510402001098"):
        _flag(talent_app, "510402001098", True, "2021-01-01")


def test_the_api_no_longer_takes_a_typed_flag(tmp_path):
    """Issue 17 item 6: "derived from the community's dated reform flag in the registry, not typed at filing"."""
    app = build_application(TalentSettings(data_dir=tmp_path))
    _registered(app, VILLAGE, True)
    with TestClient(create_app(app)) as client:
        body = {"name": "某协会", "host_station_id": str(uuid.uuid4()), "filed_on": "2021-01-10"}
        typed = client.post("/organisations", json={**body, "community_code": VILLAGE, "reform_affected": False})
        assert typed.status_code == 422 and "reform_affected" in typed.text
        assert client.post("/organisations", json={**body, "community_code": "510402"}).status_code == 422
        filed = client.post("/organisations", json={**body, "community_code": VILLAGE})
        assert filed.status_code == 201, filed.text
        shown = client.get(f"/organisations/{filed.json()['organisation_id']}").json()
        assert (shown["community_code"], shown["reform_affected"]) == (VILLAGE, True)
