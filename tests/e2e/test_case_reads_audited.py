"""Case files through the gateway: reads need who and why, each read is audited exactly once, and
the client's identity never leaves casework in an event."""

from __future__ import annotations

from urllib.parse import quote

from .conftest import account


def test_case_reads_through_the_gateway_are_audited(platform, gateway, township):
    station = gateway.post(
        "/api/stations", json={"name": "个案审计站", "tier": "township_station", "area_code": township}
    )
    station_id = station.json()["station_id"]
    client = gateway.post(
        "/api/clients", json={"station_id": station_id, "name": "王审计金丝雀", "birth_date": "1950-03-01"}
    )
    assert client.status_code == 201, client.text
    case = gateway.post("/api/cases", json={"client_id": client.json()["client_id"], "station_id": station_id,
                                            "area_code": township, "domain": "elderly_care"})
    assert case.status_code == 201, case.text
    case_id = case.json()["case_id"]
    # The gateway names the reader (X-User) from the signed-in account; the caller states the purpose.
    reader = account(platform.gateway_url, "auditor-e2e", "county_admin", "510421")
    auditor = account(platform.gateway_url, "e2e-auditor", "auditor", "510400")
    who = {"X-Purpose": quote("督导复核")}
    assert gateway.get(f"/api/cases/{case_id}").status_code == 422  # no stated purpose, no read
    for _ in range(3):
        assert reader.get(f"/api/cases/{case_id}", headers=who).status_code == 200
    records = auditor.get("/api/audit/reads", params={"subject_id": case_id}, headers=who).json()["records"]
    assert len(records) == 3
    assert all((r["user"], r["purpose"], r["subject_kind"]) == ("auditor-e2e", "督导复核", "case") for r in records)
    assert auditor.get("/api/audit/verification", headers=who).json()["intact"] is True
    reader.close()
    auditor.close()
