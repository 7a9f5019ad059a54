"""Volunteer CSV import: a bad row is reported with its line number, every good row is kept whole,
nothing is half-imported, and no reply repeats personal data."""

import uuid

import pytest
from fastapi.testclient import TestClient
from talent.adapters.integration import PUBLICATION
from talent.api.app import create_app

STATION = str(uuid.uuid4())
HEADER = "志愿者编号,姓名,性别,证件号码,手机号码,注册日期,培训站点,培训日期,服务时长\n"


@pytest.fixture
def client(talent_app):
    with TestClient(create_app(talent_app)) as client:
        yield client


def row(
    number,
    name,
    id_number,
    phone="13900001111",
    registered="2021-03-01",
    station=STATION,
    trained="2021-04-10",
    hours="12.5",
):
    return f"{number},{name},女,{id_number},{phone},{registered},{station},{trained},{hours}\n"


def upload(client, text, encoding="utf-8", **params):
    return client.post(
        "/volunteers/import", content=text.encode(encoding), params=params, headers={"content-type": "text/csv"}
    )


def registered_volunteers(talent_app):
    return [d for _, t, d in PUBLICATION.public_events(talent_app) if t == "talent.volunteer.registered.v1"]


def test_one_bad_row_is_reported_by_line_and_all_other_rows_are_imported(client, talent_app, new_id_number):
    bad_id = new_id_number()[:17] + "Y"
    text = (HEADER + row("V001", "蒋一", new_id_number()) + row("V002", "沈二", new_id_number())
            + row("V003", "韩三", bad_id) + "\n" + row("V004", "杨四", new_id_number(), hours="")
            + row("V005", "朱五", new_id_number(), trained=""))
    report = upload(client, text).json()
    assert report["imported"] == 4 and report["failed"] == 1
    assert [v["line"] for v in report["volunteers"]] == [2, 3, 6, 7]  # line 5 is blank
    assert report["errors"] == [{"line": 4, "problems": ["证件号码：身份证号码格式不正确：应为 18 位，末位可为 X"]}]
    assert bad_id not in str(report) and "韩三" not in str(report)
    assert len(registered_volunteers(talent_app)) == 4
    types = [t for _, t, _ in PUBLICATION.public_events(talent_app)]
    assert types.count("talent.volunteer.trained.v1") == 3 and types.count("talent.volunteer.hours_logged.v2") == 3
    first = talent_app.volunteer(report["volunteers"][0]["volunteer_id"])
    assert (talent_app.identity(first)["name"], first.hours, first.trainings[0][1].isoformat()) == ("蒋一", 12.5,
                                                                                                  "2021-04-10")


def test_every_problem_of_a_row_is_listed_naming_the_column_only(client, new_id_number):
    text = HEADER + "V001,,女,51040219850101123,1390000,2021-02-30,not-a-station,2021-01-01,lots\n"
    (error,) = upload(client, text).json()["errors"]
    assert error["line"] == 2
    assert [p.split("：")[0] for p in error["problems"]] == [
        "姓名",
        "证件号码",
        "手机号码",
        "注册日期",
        "培训站点",
        "服务时长",
    ]
    assert "51040219850101123" not in str(error) and "1390000" not in str(error)


def test_reimporting_the_same_file_adds_nothing_and_reports_each_row(client, talent_app, new_id_number):
    text = HEADER + row("V001", "秦一", new_id_number()) + row("V002", "尤二", new_id_number())
    assert upload(client, text).json()["imported"] == 2
    again = upload(client, text).json()
    assert again["imported"] == 0 and [e["line"] for e in again["errors"]] == [2, 3]
    assert again["errors"][0]["problems"] == ["该志愿者编号或身份证号码已登记"]
    assert len(registered_volunteers(talent_app)) == 2


def test_a_row_refused_at_save_leaves_nothing_behind(client, talent_app, new_id_number):
    # Same volunteer number twice in one file, with a different person: the second row is refused
    # whole: no volunteer, no training, no hours of it are stored.
    text = HEADER + row("V001", "许一", new_id_number()) + row("V001", "何二", new_id_number())
    report = upload(client, text).json()
    assert (report["imported"], [e["line"] for e in report["errors"]]) == (1, [3])
    types = [t for _, t, _ in PUBLICATION.public_events(talent_app)]
    assert types.count("talent.volunteer.registered.v1") == types.count("talent.volunteer.trained.v1") == 1


def test_station_may_come_from_the_request_and_english_headers_and_gbk_are_accepted(client, talent_app, new_id_number):
    text = (
        "volunteer_number,name,id_number,phone,registered_on\n" + f"V100,吕一,{new_id_number()},13900001111,2021/5/6\n"
    )
    report = upload(client, text, encoding="gb18030", station_id=STATION).json()
    assert report["imported"] == 1, report
    (registered,) = registered_volunteers(talent_app)
    assert registered["station_id"] == STATION and registered["registered_on"] == "2021-05-06"
    missing_station = upload(client, text.replace("V100", "V101")).json()
    assert missing_station["errors"][0]["problems"] == ["培训站点：不能为空（或在请求中给出 station_id）"]


@pytest.mark.parametrize("text, reason", [
    ("", "文件为空"),
    ("姓名,证件号码\n张三,1\n", "缺少必需的列"),
    ("志愿者编号,志愿者编号,姓名,证件号码,手机号码,注册日期\n", "重复"),
])
def test_unreadable_files_import_nothing(client, talent_app, text, reason):
    reply = upload(client, text)
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid_csv"
    assert reason in reply.json()["error"]["message"]
    assert list(PUBLICATION.public_events(talent_app)) == []


def test_a_broken_quote_stops_at_its_line_and_keeps_the_rows_before(client, new_id_number):
    text = HEADER + row("V001", "施一", new_id_number()) + 'V002,"孔二,女\n'
    report = upload(client, text).json()
    assert report["imported"] == 1 and report["errors"][0]["line"] == 3
