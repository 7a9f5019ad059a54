"""Money beyond purchases on the real Kafka broker: a subsidy, a venture round awarded and paid, a community fund
receiving and paying, a need recorded and met, a donation point opened and closed publish one of each of funding's
new contracts, each valid against its committed JSON Schema and none carrying a donor's name, a need's summary or a
point's location; reporting's projection of the topic gives the money by mode and the charity figures the funding
service's own answers give."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from funding.adapters.integration import PUBLICATION
from funding.api.app import create_app
from funding.application.service import FundingApplication
from funding.settings import FundingSettings
from jsonschema import Draft202012Validator
from pzh_shared.envelope import decode
from pzh_shared.eventstore import make_application
from pzh_shared.relay import OutboxRelay
from reporting import views
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import project

from ..outbox import relay_everything
from .test_funding_events_on_kafka import _read_all

SCHEMAS = Path(__file__).resolve().parents[3] / "services" / "funding" / "schemas"
COUNTY, TOWNSHIP = "510411", "510411002"
VILLAGE = f"{TOWNSHIP}201"
NEW = {"funding.grant.awarded.v1", "funding.venture_round.opened.v1", "funding.venture.awarded.v1",
       "funding.venture.disbursed.v1", "funding.fund.established.v1", "funding.fund.received.v1",
       "funding.fund.paid.v1", "funding.charity_need.recorded.v1", "funding.charity_need.met.v1",
       "funding.donation_point.opened.v1", "funding.donation_point.closed.v1"}


def _ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def test_one_of_every_new_contract_on_kafka_projects_into_the_reports(kafka_bootstrap, tmp_path):
    application = make_application(FundingApplication, FundingSettings(data_dir=tmp_path))
    service = f"funding{uuid.uuid4().hex[:8]}"
    with TestClient(create_app(application)) as client:
        _ok(client.post("/sources", json={"area_code": COUNTY, "year": 2021, "source": "welfare_lottery",
                                          "amount": "90000.00", "budgeted_on": "2021-01-06"}), 201)
        grant = _ok(client.post("/grants", json={"kind": "award", "organisation": "仁和区同心社工中心",
                                                 "purpose": "优秀站点", "area_code": TOWNSHIP,
                                                 "source": "welfare_lottery", "amount": "5000.00",
                                                 "awarded_on": "2021-03-01"}), 201)
        rid = _ok(client.post("/venture-rounds", json={"area_code": COUNTY, "year": 2021, "title": "仁和公益创投",
                                                       "source": "welfare_lottery", "budget": "50000.00",
                                                       "opened_on": "2021-03-01", "closes_on": "2021-03-31"}),
                  201)["round_id"]
        _ok(client.post(f"/venture-rounds/{rid}/applications", json={
            "organisation": "同心社工中心", "project": "留守儿童陪伴", "area_code": TOWNSHIP, "requested": "30000.00",
            "applied_on": "2021-03-10"}), 201)
        _ok(client.post(f"/venture-rounds/{rid}/applications/1/award", json={"amount": "30000.00",
                                                                             "awarded_on": "2021-04-01"}))
        _ok(client.post(f"/venture-rounds/{rid}/applications/1/disbursements",
                        json={"amount": "12000.00", "paid_on": "2021-04-20"}), 201)
        fid = _ok(client.post("/funds", json={"kind": "community_fund", "name": "同心社区基金", "area_code": VILLAGE,
                                              "established_on": "2021-02-01"}), 201)["fund_id"]
        _ok(client.post(f"/funds/{fid}/receipts", json={"donor_kind": "enterprise", "donor_name": "攀钢集团",
                                                        "amount": "2000.00", "received_on": "2021-02-02"}), 201)
        fund = _ok(client.post(f"/funds/{fid}/payments", json={"project": "助老餐", "category": "elderly",
                                                               "amount": "750.00", "paid_on": "2021-05-01"}), 201)
        need = _ok(client.post("/charity/needs", json={"area_code": VILLAGE, "category": "elderly",
                                                       "summary": "高龄独居老人助餐", "recorded_on": "2021-02-10"}),
                   201)["need_id"]
        _ok(client.post(f"/charity/needs/{need}/meeting", json={"resource_kind": "community_fund",
                                                                "resource_id": fid, "resource_name": "同心社区基金",
                                                                "met_on": "2021-05-01"}))
        point = _ok(client.post("/charity/donation-points", json={
            "name": "同心捐赠点", "area_code": VILLAGE, "operator": "仁和区慈善会", "location": "村委会一楼",
            "opened_on": "2021-02-01"}), 201)["point_id"]
        _ok(client.post(f"/charity/donation-points/{point}/closing", json={"closed_on": "2021-11-30"}))

    expected = list(PUBLICATION.public_events(application))
    asyncio.run(relay_everything(OutboxRelay(application, PUBLICATION.translate, kafka_bootstrap, service,
                                             page_size=4)))
    records = asyncio.run(_read_all(kafka_bootstrap, f"{service}.events", len(expected)))
    validators = {p.name.removesuffix(".json"): Draft202012Validator(json.loads(p.read_text(encoding="utf-8")),
                                                                      format_checker=Draft202012Validator.FORMAT_CHECKER)
                  for p in SCHEMAS.glob("*.json")}
    envelopes = [decode(r.value) for r in records]
    assert sorted(e.id for e in envelopes) == sorted(i for i, _, _ in expected)
    for envelope in envelopes:
        assert [e.message for e in validators[envelope.type].iter_errors(envelope.data)] == [], envelope.type
    assert NEW <= {e.type for e in envelopes}, NEW - {e.type for e in envelopes}
    wire = b"".join(r.value for r in records).decode()
    assert "攀钢集团" not in wire and "高龄独居" not in wire and "村委会" not in wire

    store = ReadModelStore(tmp_path / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for e in envelopes)
    modes = views.money_modes(store, COUNTY, "2021-12-31", "2021-01-01")["modes"]
    assert (modes["award"]["total"], modes["venture"]["total"], modes["community_fund"]["total"]) == (
        grant["amount"], "12000.00", "750.00")
    charity = views.charity(store, COUNTY, "2021-12-31", "2021-01-01")
    assert charity["funds"]["community_fund"]["balance"] == fund["balance"]
    assert (charity["needs"]["recorded"], charity["needs"]["met"], charity["donation_points"]["open"]) == (1, 1, 0)
    assert views.charity(store, COUNTY, "2021-06-30", "2021-01-01")["donation_points"]["by_tier"]["village"] == 1
