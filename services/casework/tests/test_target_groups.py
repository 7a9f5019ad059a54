"""A client's categories (服务对象类别, issue 17 item 11): a closed vocabulary recorded at intake and changed by a
dated event with optimistic concurrency; a case carries the categories of its opening day into
casework.case.opened.v2 as codes only."""

from __future__ import annotations

from datetime import date

import pytest
from casework.adapters.integration import PUBLICATION
from casework.domain.errors import CaseworkError
from casework.domain.vocabulary import TARGET_GROUP_NAMES, TargetGroup
from casework.testing import AREA, READER, STATION, identity, ok

PLAN = ("困难家庭", "留守老人", "空巢老人", "困境儿童", "残疾人", "流动人口", "易地搬迁群众")


def _opened(cw) -> list[dict]:
    notifications = cw.recorder.select_notifications(0, 10_000, inclusive_of_start=False)
    public = [t for t in (PUBLICATION.translate(cw.mapper.to_domain_event(n)) for n in notifications) if t]
    return [d for t, d in public if t == "casework.case.opened.v2"]


def test_the_vocabulary_is_the_plans_special_groups():
    """§二(五)2: "重点为辖区内困难家庭、留守空巢老人、困境儿童、残疾人、流动人口等特殊群体以及其他有需要的对象
    开展……服务"; 附件2 §3.2.5.2: "促进易地搬迁群众融合适应"."""
    assert tuple(TARGET_GROUP_NAMES[g] for g in TargetGroup) == PLAN


def test_categories_at_intake_and_a_dated_change_reach_the_next_case_only(cw):
    client = cw.register_client(STATION, identity(), date(2021, 3, 1), categories=["disabled", "hardship_family"])
    assert cw.client(client).categories == ["hardship_family", "disabled"]  # stored once, in the vocabulary's order
    first = cw.open_case(client, STATION, AREA, "disability", None, "medium", date(2021, 3, 2))
    cw.change_client_categories(client, ["migrant"], date(2021, 4, 1))
    second = cw.open_case(client, STATION, AREA, "social_assistance", None, "low", date(2021, 4, 2))
    assert cw.case(first).categories == ["hardship_family", "disabled"] and cw.case(second).categories == ["migrant"]
    opened = _opened(cw)
    assert [d["categories"] for d in opened] == [["hardship_family", "disabled"], ["migrant"]]
    # codes and the case's public context only: no client id, name or birth date
    assert all(set(d) == {"case_id", "station_id", "area_code", "domain", "risk_level", "age_band", "subtype",
                          "opened_on", "categories"} for d in opened)
    assert str(client) not in str(opened) and "1980-05-01" not in str(opened)


def test_the_same_set_again_records_nothing_and_an_unknown_code_is_refused(cw):
    client = cw.register_client(STATION, identity(), date(2021, 3, 1), categories=["relocated"])
    version = cw.client(client).version
    cw.change_client_categories(client, ["relocated", "relocated"], date(2021, 3, 5))
    assert cw.client(client).version == version
    with pytest.raises(CaseworkError, match="服务对象类别"):
        cw.change_client_categories(client, ["vip"], date(2021, 3, 5))


def test_the_api_records_them_refuses_a_stale_version_and_names_a_bad_value_in_chinese(api):
    client = ok(api.post("/clients", json={"station_id": STATION, "name": "测试人", "birth_date": "1980-05-01",
                                           "registered_on": "2021-03-01", "categories": ["child_in_difficulty"]}),
                201)["client_id"]
    record = ok(api.get(f"/clients/{client}", headers=READER))
    assert record["categories"] == ["child_in_difficulty"]
    changed = ok(api.post(f"/clients/{client}/categories", json={
        "categories": ["left_behind_elderly", "empty_nest_elderly"], "on": "2021-05-01",
        "expected_version": record["version"]}))
    assert changed == {"client_id": client, "categories": ["left_behind_elderly", "empty_nest_elderly"],
                       "version": record["version"] + 1}
    stale = api.post(f"/clients/{client}/categories", json={"categories": [], "expected_version": record["version"]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    bad = api.post(f"/clients/{client}/categories", json={"categories": ["vip"]})
    assert bad.status_code == 422 and "服务对象类别(categories.0)" in bad.json()["error"]["message"]
    assert ok(api.get(f"/clients/{client}", headers=READER))["categories"] == changed["categories"]
