"""The funding lists through the API (GET /sources, /contracts, /disbursements, /project-plans and the
filing queue): area-subtree and field filters, search by agency or title, sorting, cursor pages with a
total, amounts as yuan strings, the XLSX 台账 with Chinese headers, and Chinese 422s."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient
from funding.api.app import create_app
from openpyxl import load_workbook

EAST, MIYI = "510402", "510421"  # 东区, 米易县
STATION = str(uuid.uuid4())


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def sheet(reply) -> list[list[object]]:
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(reply.content)).active.iter_rows()]


def every(client, path, **params) -> list[dict]:
    """Walks the list page by page (two rows a page), checking the total stays the same."""
    rows, cursor, total = [], None, None
    while True:
        page = ok(client.get(path, params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})}))
        total = page["total"] if total is None else total
        assert page["total"] == total
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            assert len(rows) == total
            return rows


def _contract(
    client,
    agency: str,
    area: str,
    amount: str,
    signed_on: str,
    sources: list[tuple[str, str]],
    stations: list[str] | None = None,
) -> str:
    body = {
        "purchaser": "civil_affairs",
        "provider_agency": agency,
        "station_ids": stations or [str(uuid.uuid4())],
        "area_code": area,
        "service_items": ["困难群众探访"],
        "amount": amount,
        "period_start": signed_on,
        "period_end": f"{signed_on[:4]}-12-31",
        "sources": [{"source": s, "amount": a} for s, a in sources],
        "signed_on": signed_on,
    }
    return ok(client.post("/contracts", json=body), 201)["contract_id"]


@pytest.fixture
def world(funding_app, monkeypatch):
    """Two counties' budgets, five contracts in every filing state, three instalments and three plans."""
    monkeypatch.setattr(funding_app, "today", lambda: date(2021, 6, 1))
    client = TestClient(create_app(funding_app))
    for area in (EAST, MIYI):
        for source, amount in (("social_assistance", "200000"), ("welfare_lottery", "150000.50")):
            ok(
                client.post(
                    "/sources",
                    json={
                        "area_code": area,
                        "year": 2021,
                        "source": source,
                        "amount": amount,
                        "budgeted_on": "2021-01-05",
                    },
                ),
                201,
            )
        ok(client.post("/hardship-spending", json={"area_code": area, "year": 2020, "total": "1000000.00"}), 201)
    ok(client.post("/sources", json={"area_code": MIYI, "year": 2022, "source": "charity", "amount": "9.99"}), 201)
    ids = {
        "pending": _contract(
            client,
            "米易县阳光社工中心",
            f"{MIYI}100",
            "30000.00",
            "2021-05-02",
            [("welfare_lottery", "30000.00")],
            [STATION],
        ),
        "filed": _contract(
            client,
            "米易县阳光社工中心",
            MIYI,
            "80000.00",
            "2021-02-01",
            [("social_assistance", "20000.00"), ("welfare_lottery", "60000.00")],
            [STATION],
        ),
        "returned": _contract(
            client, "攀枝花向阳社工", f"{EAST}001", "12000.00", "2021-03-15", [("welfare_lottery", "12000.00")]
        ),
        "checked": _contract(
            client, "攀枝花向阳社工", EAST, "50000.00", "2021-01-10", [("social_assistance", "50000.00")]
        ),
        "east_pending": _contract(
            client, "东区启航社工", EAST, "7000.00", "2021-04-20", [("welfare_lottery", "7000.00")]
        ),
    }
    for key in ("filed", "checked"):
        ok(client.post(f"/contracts/{ids[key]}/filing", json={"filed_on": "2021-03-01"}))
    ok(
        client.post(
            f"/contracts/{ids['returned']}/return", json={"reasons": ["缺少服务清单"], "returned_on": "2021-03-20"}
        )
    )
    ok(
        client.post(
            f"/contracts/{ids['checked']}/spot-checks", json={"outcome": "satisfactory", "checked_on": "2021-04-01"}
        ),
        201,
    )
    pay = f"/contracts/{ids['filed']}/disbursements"
    ok(
        client.post(
            pay,
            json={
                "amount": "30000.00",
                "milestone": "首期",
                "paid_on": "2021-03-10",
                "sources": [
                    {"source": "social_assistance", "amount": "10000.00"},
                    {"source": "welfare_lottery", "amount": "20000.00"},
                ],
            },
        ),
        201,
    )
    ok(
        client.post(
            pay,
            json={
                "amount": "5000.00",
                "milestone": "中期",
                "paid_on": "2021-05-10",
                "sources": [{"source": "welfare_lottery", "amount": "5000.00"}],
            },
        ),
        201,
    )
    ok(
        client.post(
            f"/contracts/{ids['checked']}/disbursements",
            json={"amount": "20000.00", "milestone": "首期", "paid_on": "2021-04-05"},
        ),
        201,
    )
    plan = {"year": 2021, "projects": [{"name": "儿童关爱", "amount": "10000.00"}], "submitted_on": "2021-01-15"}
    ids["plan_east"] = ok(
        client.post("/project-plans", json={**plan, "area_code": EAST, "title": "东区年度计划"}), 201
    )["plan_id"]
    ids["plan_miyi"] = ok(
        client.post("/project-plans", json={**plan, "area_code": MIYI, "title": "米易县年度计划"}), 201
    )["plan_id"]
    ids["plan_city"] = ok(
        client.post("/project-plans", json={**plan, "area_code": "510400", "title": "市本级计划"}), 201
    )["plan_id"]
    ok(
        client.post(
            f"/project-plans/{ids['plan_east']}/return", json={"reasons": ["金额不符"], "returned_on": "2021-02-01"}
        )
    )
    ok(
        client.post(
            f"/project-plans/{ids['plan_east']}/resubmission",
            json={"projects": [{"name": "儿童关爱", "amount": "8000.00"}], "resubmitted_on": "2021-02-10"},
        )
    )
    ok(client.post(f"/project-plans/{ids['plan_miyi']}/filing", json={"filed_on": "2021-02-01"}))
    return client, ids


def test_budgets_by_area_year_and_source_in_yuan(world):
    client, _ = world
    rows = every(client, "/sources")
    assert len(rows) == 5
    miyi = ok(client.get("/sources", params={"area": MIYI, "year": 2021, "sort": "-budget"}))
    assert [(r["source"], r["budget"], r["spent"], r["balance"]) for r in miyi["items"]] == [
        ("social_assistance", "200000.00", "10000.00", "190000.00"),
        ("welfare_lottery", "150000.50", "25000.00", "125000.50"),
    ]
    assert miyi["items"][0]["source_name"] == "社会救助资金" and miyi["items"][0]["budgeted_on"] == "2021-01-05"
    assert ok(client.get("/sources", params={"source": "charity"}))["items"][0]["budget"] == "9.99"
    assert ok(client.get("/sources", params={"area": "510400", "year": 2021}))["total"] == 4
    cells = sheet(client.get("/sources", params={"area": MIYI, "year": 2022, "format": "xlsx"}))
    assert cells[0] == [
        "行政区划代码",
        "年度",
        "资金来源代码",
        "资金来源",
        "预算(元)",
        "已支出(元)",
        "余额(元)",
        "预算登记日期",
    ]
    assert cells[1][:5] == [MIYI, 2022, "charity", "慈善资金", "9.99"] and len(cells) == 2


def test_contracts_filter_by_status_area_agency_station_and_sort(world):
    client, ids = world
    by_status = {
        status: [r["id"] for r in every(client, "/contracts", status=status)]
        for status in ("signed", "filed", "returned", "spot_checked")
    }
    assert by_status == {
        "signed": [ids["pending"], ids["east_pending"]],
        "filed": [ids["filed"]],
        "returned": [ids["returned"]],
        "spot_checked": [ids["checked"]],
    }  # newest signed first
    miyi = every(client, "/contracts", area=MIYI)
    assert {r["id"] for r in miyi} == {ids["pending"], ids["filed"]}
    row = next(r for r in miyi if r["id"] == ids["filed"])
    assert (row["contract_id"], row["amount"], row["paid"], row["status_label"], row["funding_area_code"]) == (
        ids["filed"],
        "80000.00",
        "35000.00",
        "已备案",
        MIYI,
    )
    assert [r["id"] for r in every(client, "/contracts", q="向阳", sort="signed_on")] == [
        ids["checked"],
        ids["returned"],
    ]
    assert {r["id"] for r in every(client, "/contracts", station_id=STATION)} == {ids["pending"], ids["filed"]}
    assert ok(client.get("/contracts", params={"station_id": str(uuid.uuid4())}))["total"] == 0
    by_amount = [r["amount"] for r in every(client, "/contracts", sort="-amount")]
    assert by_amount == ["80000.00", "50000.00", "30000.00", "12000.00", "7000.00"]
    assert ok(client.get("/contracts", params={"year": 2022}))["total"] == 0
    assert ok(client.get(f"/contracts/{ids['filed']}"))["contract_id"] == ids["filed"]  # the item route still answers
    cells = sheet(client.get("/contracts", params={"area": EAST, "sort": "signed_on", "format": "xlsx"}))
    assert (
        cells[0][:3] == ["承接机构", "购买主体", "行政区划代码"] and "状态" in cells[0] and "合同金额(元)" in cells[0]
    )
    assert cells[1][0] == "攀枝花向阳社工" and cells[1][cells[0].index("状态")] == "已抽查" and len(cells) == 4


def test_disbursements_by_contract_kind_and_year_with_their_source_lines(world):
    client, ids = world
    rows = every(client, "/disbursements")
    assert [(r["paid_on"], r["amount"]) for r in rows] == [
        ("2021-05-10", "5000.00"),
        ("2021-04-05", "20000.00"),
        ("2021-03-10", "30000.00"),
    ]
    first = rows[2]
    assert first["id"] == f"{ids['filed']}:1" and first["instalment"] == 1 and first["milestone"] == "首期"
    assert first["sources"] == [
        {"source": "social_assistance", "amount": "10000.00"},
        {"source": "welfare_lottery", "amount": "20000.00"},
    ]
    assert first["source_names"] == "社会救助资金、福彩公益金"
    assistance = every(client, "/disbursements", kind="social_assistance", sort="amount")
    assert [r["amount"] for r in assistance] == ["20000.00", "30000.00"]
    assert "from_social_assistance" not in assistance[0]
    assert [r["instalment"] for r in every(client, "/disbursements", contract_id=ids["filed"], sort="paid_on")] == [
        1,
        2,
    ]
    assert ok(client.get("/disbursements", params={"area": EAST, "year": 2021}))["total"] == 1
    assert ok(client.get("/disbursements", params={"year": 2022}))["total"] == 0
    cells = sheet(client.get("/disbursements", params={"contract_id": ids["checked"], "format": "xlsx"}))
    assert cells[0] == [
        "合同编号",
        "期次",
        "承接机构",
        "行政区划代码",
        "年度",
        "拨付日期",
        "拨付节点",
        "拨付金额(元)",
        "资金来源",
    ]
    assert cells[1] == [
        ids["checked"],
        1,
        "攀枝花向阳社工",
        EAST,
        2021,
        "2021-04-05",
        "首期",
        "20000.00",
        "社会救助资金",
    ]


def test_project_plans_by_area_year_and_status(world):
    client, ids = world
    assert {r["id"] for r in every(client, "/project-plans")} == {ids["plan_east"], ids["plan_miyi"], ids["plan_city"]}
    pending = every(client, "/project-plans", status="pending", sort="-submitted_on")
    assert [(r["title"], r["total_amount"], r["submitted_on"]) for r in pending] == [
        ("东区年度计划", "8000.00", "2021-02-10"),
        ("市本级计划", "10000.00", "2021-01-15"),
    ]  # resubmitted: its new date
    assert [r["status_label"] for r in every(client, "/project-plans", area=MIYI)] == ["已备案"]
    assert ok(client.get("/project-plans", params={"q": "米易", "year": 2021}))["total"] == 1
    assert ok(client.get("/project-plans", params={"year": 2020}))["total"] == 0
    cells = sheet(client.get("/project-plans", params={"area": EAST, "format": "xlsx"}))
    assert cells == [
        ["计划名称", "行政区划代码", "年度", "项目数", "计划金额(元)", "报送日期", "状态"],
        ["东区年度计划", EAST, 2021, 1, "8000.00", "2021-02-10", "待备案"],
    ]


def test_the_filing_queue_holds_what_waits_under_an_area_oldest_first(world):
    client, ids = world
    city = every(client, "/filing-queue", area="510400")
    assert [(r["id"], r["type"], r["status"], r["since"], r["waiting_days"]) for r in city] == [
        (ids["plan_city"], "plan", "pending", "2021-01-15", 137),
        (ids["plan_east"], "plan", "pending", "2021-02-10", 111),  # resubmitted: it waits from then
        (ids["returned"], "contract", "returned", "2021-03-20", 73),  # returned: it waits from its return
        (ids["east_pending"], "contract", "pending", "2021-04-20", 42),
        (ids["pending"], "contract", "pending", "2021-05-02", 30),
    ]
    township = next(r for r in city if r["id"] == ids["pending"])
    # a township's contract is filed with its county bureau (§三(三) "对下级……备案管理")
    assert (township["area_code"], township["filed_by"], township["filed_with"], township["amount"]) == (
        f"{MIYI}100", f"{MIYI}100", MIYI, "30000.00")
    assert next(r for r in city if r["id"] == ids["plan_city"])["filed_with"] == "510000"  # the city's own, upward
    with_city = every(client, "/filing-queue", area="510400", filed_with="510400")
    assert [r["id"] for r in with_city] == [ids["plan_east"], ids["east_pending"]]  # the counties' own
    assert [r["id"] for r in every(client, "/filing-queue", area=EAST, filed_with=EAST)] == [ids["returned"]]
    assert client.get(f"/contracts/{ids['pending']}").json()["filed_with"] == MIYI  # what the console offers
    assert [r["id"] for r in every(client, "/filing-queue", area=MIYI)] == [ids["pending"]]
    east = every(client, "/filing-queue", area=EAST, type="contract")
    assert [r["id"] for r in east] == [ids["returned"], ids["east_pending"]]
    assert [r["id"] for r in every(client, "/filing-queue", status="returned")] == [ids["returned"]]
    assert [r["id"] for r in every(client, "/filing-queue", q="启航")] == [ids["east_pending"]]
    assert every(client, "/filing-queue", sort="-amount")[0]["amount"] == "30000.00"
    ok(client.post(f"/contracts/{ids['pending']}/filing", json={"filed_on": "2021-05-20"}))
    ok(client.post(f"/contracts/{ids['returned']}/filing", json={"filed_on": "2021-05-21"}))  # corrected, filed
    assert ok(client.get("/filing-queue", params={"area": MIYI}))["total"] == 0  # filed: it leaves the queue
    assert ok(client.get("/filing-queue", params={"type": "contract"}))["total"] == 1
    cells = sheet(client.get("/filing-queue", params={"area": EAST, "format": "xlsx"}))
    assert cells[0][-1] == "已等待天数" and cells[0][:3] == ["类别", "承接机构或计划名称", "行政区划代码"]
    assert cells[1][:2] == ["年度项目计划", "东区年度计划"] and cells[1][-1] == 111 and "待备案" in cells[1]


def test_bad_list_queries_answer_in_chinese(world):
    client, _ = world
    too_many = client.get("/contracts", params={"limit": 500})
    assert too_many.status_code == 422 and "limit" in too_many.json()["error"]["message"]
    bad_sort = client.get("/disbursements", params={"sort": "milestone"})
    assert bad_sort.status_code == 422 and "sort" in bad_sort.json()["error"]["message"]
    for path, params, label in (
        ("/sources", {"area": "51"}, "行政区划代码"),
        ("/contracts", {"status": "paid"}, "状态"),
        ("/disbursements", {"kind": "gold"}, "资金来源"),
        ("/project-plans", {"year": 1990}, "年度"),
        ("/filing-queue", {"type": "budget"}, "类别"),
    ):
        reply = client.get(path, params=params)
        assert reply.status_code == 422 and label in reply.json()["error"]["message"], (path, reply.text)


def test_the_lists_are_typed_in_the_openapi_document(world):
    client, _ = world
    paths = ok(client.get("/openapi.json"))["paths"]
    for path in ("/sources", "/contracts", "/disbursements", "/project-plans", "/filing-queue"):
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].split("/")[-1].startswith("Page_"), path
