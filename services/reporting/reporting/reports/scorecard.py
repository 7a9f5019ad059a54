"""The annual township-station scorecard (乡镇社工站年度评估, A2 §5): one row per township station
open on 31 December, scored on facilities, staffing, services, management and satisfaction from
the facts the events carry. What no event carries is said in the report, never made up. The rule
is published in services/reporting/README.md ("Annual township-station scorecard")."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from reporting import views
from reporting.adapters.store import ReadModelStore
from reporting.deployment import Deployment
from reporting.reports import rules
from reporting.reports.notice import _dec, quota_kind
from reporting.reports.render import Chart, Document, Section, number
from reporting.reports.rules import Rubric, RubricInForce, StationQuotas
from reporting.reports.years import span

DIMENSIONS = {
    "facilities": "设施",
    "staffing": "人员",
    "services": "服务",
    "management": "管理",
    "satisfaction": "满意度",
}
LEVEL_LABELS = {"professional": "专业", "standard": "标准", "basic": "基础", "none": "未定级"}
# the grades a rubric's floors set (rules.GRADES), best first; a total below the lowest floor fails
GRADE_LABELS = {"excellent": "优秀", "good": "良好", "pass": "合格"}
FAIL = "不合格"
GRADE_ORDER = (*GRADE_LABELS.values(), FAIL)
NOT_FROM_EVENTS = {
    "facilities": "场地、标识、办公设备、无障碍与消防等设施清单无事件来源，以登记服务发布的站点发展等级代替",
    "management": "制度建设、档案与财务管理无事件来源，仅以投诉办结率和响应时长评分",
    "satisfaction": "无满意度调查记录的站点本项记 0 分并注明",
}


def title(city_name: str, period: str) -> str:
    return f"{city_name}乡镇(街道)社会工作服务站{int(period)}年度评估"


def _share(actual: int, target: int) -> Fraction:
    return Fraction(1) if target == 0 else min(Fraction(1), Fraction(actual, target))


def score(facts: dict[str, Any], quotas: StationQuotas | None = None, rubric: Rubric | None = None
          ) -> dict[str, Fraction]:
    """The five dimensions of one station from its facts for the year, the station quotas and the rubric in force
    (by default the default rules' newest); pure."""
    newest = rules.load().versions[-1]
    quotas, rubric = quotas or newest.station_quotas, rubric or newest.rubric
    points, staffing, management = rubric.dimension_points, rubric.staffing_parts, rubric.management_parts
    quota_orgs = quotas.organisations_registered_pilot if facts["pilot"] else quotas.organisations_incubated_other
    orgs = facts["organisations_registered"] if facts["pilot"] else facts["organisations_incubated"]
    evaluated = (
        Fraction(facts["project_score_centi"], 100 * facts["project_evaluations"])
        if facts["project_evaluations"]
        else Fraction(0)
    )
    response = (
        Fraction(facts["response_hours_centi"], 100 * facts["complaints_closed"])
        if facts["complaints_closed"]
        else Fraction(0)
    )
    if not facts["complaints_received"]:
        timeliness = Fraction(1)  # nothing to answer counts as answered in time (a target of 0 is met)
    elif not facts["complaints_closed"]:
        timeliness = Fraction(0)  # complaints, none handled yet
    else:
        timeliness = Fraction(1) if response <= rubric.response_hours else Fraction(rubric.response_hours) / response
    satisfaction = Fraction(facts["survey_score_centi"], 100 * facts["surveys"]) if facts["surveys"] else Fraction(0)
    services = [_share(facts["projects_started"], 1), evaluated / 100, _share(orgs, quota_orgs),
                _share(facts["volunteers_trained"], quotas.volunteers_per_station)]
    if quotas.beneficiaries_per_station is not None:  # a version that scores them: the points in five parts
        services.append(_share(facts["beneficiaries"], quotas.beneficiaries_per_station))
    return {
        "facilities": Fraction(rubric.level_points[facts["level"]]),
        "staffing": staffing["certified_workers"] * _share(facts["certified_workers"],
                                                           rubric.certified_workers_per_station)
        + staffing["head"] * min(Fraction(1), Fraction(facts["heads"]))
        + staffing["certifications"] * _share(facts["certifications"], quotas.certified_per_station),
        # the plan weights none of the services parts: equal shares of the dimension
        "services": Fraction(points["services"], len(services)) * sum(services, Fraction(0)),
        "management": management["closure"] * _share(facts["complaints_closed"], facts["complaints_received"])
        + management["timeliness"] * timeliness,
        "satisfaction": points["satisfaction"] * satisfaction / 100,
    }


def grade(total: Fraction, rubric: Rubric) -> str:
    return next((GRADE_LABELS[g] for g, floor in rubric.grade_floors.items() if total >= floor), FAIL)


def build(store: ReadModelStore, deployment: Deployment, period: str) -> dict[str, Any]:
    start, end = span(period)
    since, as_of = start.isoformat(), end.isoformat()
    city = deployment.city_code
    version = deployment.rules_on(as_of)
    quotas = version.station_quotas

    def per_station(figure: str, flow: bool) -> dict[str, int]:
        return {
            sid: n for (sid,), n in store.sums(figure, city, as_of, since if flow else None, by=("station",)).items()
        }

    figures = {
        "certified_workers": False,
        "heads": False,
        "certifications": True,
        "volunteers_trained": True,
        "organisations_incubated": True,
        "organisations_registered": True,
        "projects_started": True,
        "project_evaluations": True,
        "project_score": True,
        "beneficiaries": True,
        "complaints_received": True,
        "complaints_closed": True,
        "complaint_response_hours": True,
        "surveys": True,
        "survey_score": True,
    }
    sums = {name: per_station(name, flow) for name, flow in figures.items()}
    levels = {
        sid: level
        for (sid, level), n in store.sums("station_levels", city, as_of, by=("station", "k1")).items()
        if n > 0
    }
    stations = []
    # each county's stations by the rubric in force for it on 31 December (its bureau's, else the root's)
    rubrics = {county: deployment.rules.rubric_on(county, as_of) for county in deployment.counties}
    for county, name in deployment.counties.items():
        open_here = store.sums("stations", county, as_of, by=("station", "k1", "pilot", "child"))
        # a township's cases opened, as shown under the small-numbers rule among the county's townships
        cases = {township: figures["cases_opened"]
                 for township, figures in views.township_case_counts(store, county, as_of, since).items()}
        for (sid, tier, pilot, township), n in sorted(open_here.items(), key=lambda kv: (kv[0][3], kv[0][0])):
            if quota_kind(tier, bool(pilot)) == "none" or n <= 0:  # the township stations, as the quotas count
                continue
            facts = {"pilot": bool(pilot), "level": levels.get(sid, "none"),
                     "certified_workers": sums["certified_workers"].get(sid, 0), "heads": sums["heads"].get(sid, 0),
                     "certifications": sums["certifications"].get(sid, 0),
                     "volunteers_trained": sums["volunteers_trained"].get(sid, 0),
                     "organisations_incubated": sums["organisations_incubated"].get(sid, 0),
                     "organisations_registered": sums["organisations_registered"].get(sid, 0),
                     "projects_started": sums["projects_started"].get(sid, 0),
                     "project_evaluations": sums["project_evaluations"].get(sid, 0),
                     "project_score_centi": sums["project_score"].get(sid, 0),
                     "beneficiaries": sums["beneficiaries"].get(sid, 0),
                     "complaints_received": sums["complaints_received"].get(sid, 0),
                     "complaints_closed": sums["complaints_closed"].get(sid, 0),
                     "response_hours_centi": sums["complaint_response_hours"].get(sid, 0),
                     "surveys": sums["surveys"].get(sid, 0), "survey_score_centi": sums["survey_score"].get(sid, 0),
                     "cases_opened_in_township": cases.get(township, 0)}
            points = score(facts, quotas, rubrics[county].rubric)
            total = sum(points.values(), Fraction(0))
            flags = [] if facts["surveys"] else ["无满意度调查记录"]
            stations.append({"station_id": sid, "township_code": township, "area_code": county, "county": name,
                             "provincial_pilot": bool(pilot), "facts": facts,
                             "points": {k: str(_dec(v)) for k, v in points.items()}, "total": str(_dec(total)),
                             "grade": grade(total, rubrics[county].rubric), "flags": flags})
    # names as of 31 December (public: station and area names, never a person's)
    station_names = store.names("station", as_of, [s["station_id"] for s in stations])
    area_names = store.names("area", as_of, {s["township_code"] for s in stations})
    for row in stations:
        row["station_name"], row["township_name"] = (
            station_names.get(row["station_id"]),
            area_names.get(row["township_code"]),
        )
    by_county = []
    for code, name in deployment.counties.items():
        mine = [s for s in stations if s["area_code"] == code]
        mean = sum((Fraction(s["total"]) for s in mine), Fraction(0)) / len(mine) if mine else None
        by_county.append({"area_code": code, "name": name, "stations": len(mine),
                          "average_total": None if mean is None else str(_dec(mean)),
                          "grades": {label: sum(s["grade"] == label for s in mine) for label in GRADE_ORDER},
                          "rubric": _version_of(rubrics[code])})
    return {"report": "station_scorecard", "period": period, "year": start.year, "since": since, "as_of": as_of,
            "title": title(deployment.title_name, period), "dimensions": DIMENSIONS, "not_from_events": NOT_FROM_EVENTS,
            "beneficiaries_scored": quotas.beneficiaries_per_station is not None,
            # the notes of the rules it scores by (the station quotas; the rubrics' own are in `rubrics`)
            "rule_notes": {k: v for k, v in version.notes.items() if k.startswith("station_quotas.")},
            "rubrics": _rubrics_used(rubrics),
            "stations": stations, "counties": by_county}


def _version_of(in_force: RubricInForce) -> dict[str, str]:
    return {"owner": in_force.owner, "effective_from": in_force.effective_from.isoformat()}


def _rubrics_used(rubrics: dict[str, RubricInForce]) -> list[dict[str, Any]]:
    """Each rubric version the scorecard used, the counties it scored and its numbers (county order)."""
    used: dict[tuple[str, str], dict[str, Any]] = {}
    for county, in_force in rubrics.items():
        key = (in_force.owner, in_force.effective_from.isoformat())
        entry = used.setdefault(key, {**_version_of(in_force), "counties": [],
                                      "rubric": in_force.rubric.model_dump(mode="json")})
        entry["counties"].append(county)
    return list(used.values())


def _points_line(rubrics: list[dict[str, Any]]) -> tuple[dict[str, int] | None, str]:
    """The dimensions' points when every county's rubric gives the same (the table's headers show them)."""
    points = {tuple(r["rubric"]["dimension_points"].items()) for r in rubrics}
    if not points:
        return None, "满分 100 分"
    if len(points) > 1:
        return None, "各县(区)评分细则的维度分值不同，见表下的评分细则版本；满分 100 分"
    shared = dict(points.pop())
    if len(set(shared.values())) == 1:
        return shared, f"五个维度各 {next(iter(shared.values()))} 分，满分 100 分；评分办法见报表说明"
    return shared, "维度分值 " + "、".join(f"{DIMENSIONS[k]} {v}" for k, v in shared.items()) + " 分，满分 100 分"


def _rubric_notes(content: dict[str, Any]) -> list[str]:
    names = {c["area_code"]: c["name"] for c in content["counties"]}
    notes = []
    for used in content["rubrics"]:
        owner = f"{names[used['owner']]}自定" if used["owner"] in names else f"默认（{used['owner'] or '规则文件'}）"
        counties = "、".join(names.get(code, code) for code in used["counties"])
        notes.append(f"评分细则版本：{owner}，{used['effective_from']} 起施行，适用于 {counties}")
        notes += [f"评分细则说明（{field}）：{text}" for field, text in used["rubric"]["notes"].items()]
    return notes


def document(content: dict[str, Any]) -> Document:
    points, points_line = _points_line(content["rubrics"])
    columns = (["县(区)", "乡镇(街道)代码", "站点编号", "站点名称", "乡镇(街道)", "省级试点"]
               + [f"{label}({points[k]})" if points else label for k, label in DIMENSIONS.items()]
               + ["总分", "等级", "说明"])
    rows = [[s["county"], s["township_code"], s["station_id"], s.get("station_name"), s.get("township_name"),
             "是" if s["provincial_pilot"] else "否",
             *(number(s["points"][k]) for k in DIMENSIONS), number(s["total"]), s["grade"], "；".join(s["flags"])]
            for s in content["stations"]]
    fact_columns = [
        "站点编号(前8位)",
        "站点名称",
        "发展等级",
        "持证社工",
        "站长",
        "年内新增持证",
        "培训志愿者",
        "培育组织",
        "登记组织",
        "服务项目",
        "项目评估均分",
        "项目服务对象受益",
        "投诉",
        "办结",
        "平均响应(小时)",
        "满意度调查",
        "满意度均分",
        "所在乡镇新开个案",
    ]

    def mean(total_centi: int, count: int) -> str | None:
        return None if not count else str(_dec(Fraction(total_centi, 100 * count)))

    facts = [
        [
            s["station_id"][:8],
            s.get("station_name"),
            LEVEL_LABELS[f["level"]],
            f["certified_workers"],
            f["heads"],
            f["certifications"],
            f["volunteers_trained"],
            f["organisations_incubated"],
            f["organisations_registered"],
            f["projects_started"],
            number(mean(f["project_score_centi"], f["project_evaluations"])),
            f["beneficiaries"],
            f["complaints_received"],
            f["complaints_closed"],
            number(mean(f["response_hours_centi"], f["complaints_closed"])),
            f["surveys"],
            number(mean(f["survey_score_centi"], f["surveys"])),
            f["cases_opened_in_township"],
        ]
        for s in content["stations"]
        for f in (s["facts"],)
    ]
    county_columns = ["区划代码", "县(区)", "参评站点", "平均总分", *GRADE_ORDER]
    counties = [
        [
            c["area_code"],
            c["name"],
            c["stations"],
            number(c["average_total"]),
            *(c["grades"][label] for label in GRADE_ORDER),
        ]
        for c in content["counties"]
    ]
    return Document(
        title=content["title"],
        lines=[
            f"评估年度 {content['since']} 至 {content['as_of']}，参评为当年 12 月 31 日开放的乡镇(街道)站",
            f"版本 v{content.get('version', '')}",
            points_line,
        ],
        sections=[
            Section(
                "各县(区)汇总",
                county_columns,
                counties,
                chart=Chart("各县(区)站点平均总分", 1, [3], 100),
                sheet="县区汇总",
            ),
            Section(
                "站点评分",
                columns,
                rows,
                sheet="站点评分",
                font_size=6,
                notes=[f"{DIMENSIONS[k]}：{text}" for k, text in content["not_from_events"].items()]
                + [f"规则说明（{field}）：{text}" for field, text in content["rule_notes"].items()]
                + _rubric_notes(content),
            ),
            Section("评分依据（年度事实）", fact_columns, facts, sheet="评分依据", font_size=6),
        ],
    )
