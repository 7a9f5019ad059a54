"""Funding and casework together, every process separate, over the gateway and Kafka: a contract
signed and filed in funding reaches casework, a project under it is evaluated there, and the
evaluation, back in funding, releases the payment that was conditioned on it."""

from __future__ import annotations

from datetime import date

from .conftest import wait_for


def test_an_evaluation_in_casework_releases_a_conditioned_payment_in_funding(platform, gateway, township):
    year = date.today().year
    station = gateway.post(
        "/api/stations", json={"name": "资金联动站", "tier": "township_station", "area_code": township}
    )
    assert station.status_code == 201, station.text
    station_id = station.json()["station_id"]
    budget = gateway.post("/api/sources", json={"area_code": "510421", "year": year, "source": "welfare_lottery",
                                                "amount": "100000.00"})
    assert budget.status_code in (200, 201), budget.text
    contract = gateway.post("/api/contracts", json={
        "purchaser": "civil_affairs", "provider_agency": "米易县某社会工作服务中心", "station_ids": [station_id],
        "area_code": "510421", "service_items": ["留守老人关爱"], "amount": "30000.00",
        "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
        "sources": [{"source": "welfare_lottery", "amount": "30000.00"}]})
    assert contract.status_code == 201, contract.text
    contract_id = contract.json()["contract_id"]
    assert gateway.post(f"/api/contracts/{contract_id}/filing", json={}).status_code in (200, 201)

    # casework hears of the contract from funding.events
    wait_for(lambda: gateway.get(f"/api/casework/contracts/{contract_id}").status_code == 200, timeout=30)
    project = gateway.post("/api/projects", json={"contract_id": contract_id, "station_id": station_id,
                                                  "domain": "elderly_care", "title": "留守老人关爱项目"})
    assert project.status_code == 201, project.text
    project_id = project.json()["project_id"]
    condition = {"project_id": project_id, "min_score": 80}
    early = gateway.post(f"/api/contracts/{contract_id}/disbursements",
                         json={"amount": "10000.00", "milestone": "绩效评估后", "condition": condition})
    assert early.status_code == 422, early.text  # no evaluation has arrived yet

    for stage in ("design", "review", "implementation", "monitoring", "performance_evaluation"):
        reply = gateway.post(f"/api/projects/{project_id}/stage", json={"stage": stage})
        assert reply.status_code == 200, reply.text
    assert gateway.post(f"/api/projects/{project_id}/evaluation", json={"score": 88}).status_code == 200

    # funding hears of the evaluation from casework.events
    def pay():
        reply = gateway.post(f"/api/contracts/{contract_id}/disbursements",
                             json={"amount": "10000.00", "milestone": "绩效评估后", "condition": condition})
        return reply.status_code == 201 and reply
    wait_for(pay, timeout=30, interval=0.5)
    paid = gateway.get(f"/api/contracts/{contract_id}").json()
    assert [(d["amount"], d["milestone"]) for d in paid["disbursements"]] == [("10000.00", "绩效评估后")]
    assert [e["project_id"] for e in paid["evaluations"]] == [project_id]
