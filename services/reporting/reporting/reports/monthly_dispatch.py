"""The monthly pilot dispatch (月度调度): the provincial pilot stations of the pilot counties at a
month's end: staffing and the year's quota progress (certifications, volunteers trained,
registered organisations), per station and per county. Rules in services/reporting/README.md
("Monthly pilot dispatch")."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from fractions import Fraction
from typing import Any

from pzh_shared.areas import within

from reporting.adapters.store import ReadModelStore
from reporting.deployment import Deployment, NotForArea
from reporting.reports.notice import _dec, quota_kind
from reporting.reports.render import Chart, Document, Section, number

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# figure -> (label, the rules' station quota that is its yearly task at a pilot township station)
QUOTAS = {
    "certifications": ("新增持证社工", "certified_per_station"),
    "volunteers_trained": ("志愿者培训", "volunteers_per_station"),
    "organisations_registered": ("登记社会组织", "organisations_registered_pilot"),
}
STAFF = {"workers": "在岗社工", "certified_workers": "持证社工", "heads": "站长"}
TIER_LABELS = {
    "general_station": "总站",
    "township_station": "乡镇(街道)站",
    "village_room": "村(社区)室",
    "institution_station": "机构站",
}


def span(period: str) -> tuple[date, date]:
    match = PERIOD.match(period)
    if not match:
        raise ValueError(f"月份格式应为 YYYY-MM，例如 2024-03：{period!r}")
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def periods(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def title(city_name: str, period: str) -> str:
    start, _ = span(period)
    return f"{city_name}社会工作服务省级试点{start.year}年{start.month}月调度"


def _completion(actual: int, quota: int) -> str | None:
    return None if not quota else str(_dec(Fraction(actual * 100, quota), "0.1"))


def build(store: ReadModelStore, deployment: Deployment, period: str) -> dict[str, Any]:
    """Stocks as of the month's last day; quota flows from 1 January, and the month's own. The provincial
    pilot counties (settings) are always listed, even before a pilot station opens there."""
    month_start, end = span(period)
    as_of, since, month_since = end.isoformat(), date(end.year, 1, 1).isoformat(), month_start.isoformat()
    city = deployment.city_code
    rule = deployment.rules_on(as_of)
    yearly = {name: int(getattr(rule.station_quotas, field)) for name, (_, field) in QUOTAS.items()}
    open_pilots = {(sid, tier, county, area) for (sid, tier, pilot, county, area), n in
                   store.sums("stations", city, as_of, by=("station", "k1", "pilot", "child", "area")).items()
                   if pilot == 1 and n > 0 and within(county, deployment.scope)}
    if deployment.for_county and not open_pilots and not deployment.pilot_counties:
        raise NotForArea(f"{deployment.title_name}不是省级试点县(区)，月末也没有省级试点站点：月度调度只报送试点")
    # names as of the month's last day (public: station and area names, never a person's)
    station_names = store.names("station", as_of, [p[0] for p in open_pilots])
    area_names = store.names("area", as_of, {p[3] for p in open_pilots})

    def per_station(figure: str, start: str | None = None) -> dict[str, int]:
        return {sid: n for (sid,), n in store.sums(figure, city, as_of, start, by=("station",)).items()}

    stock = {name: per_station(name) for name in STAFF}
    ytd = {name: per_station(name, since) for name in QUOTAS}
    month = {name: per_station(name, month_since) for name in QUOTAS}
    stations = []
    for sid, tier, county, area in sorted(open_pilots, key=lambda s: (s[2], s[1], s[0])):
        quota_bearing = quota_kind(tier, True) != "none"  # the yearly quotas are the township stations' (notice.py)
        row: dict[str, Any] = {"station_id": sid, "station_name": station_names.get(sid), "area_code": county,
                               "county": deployment.county_name(county), "station_area_code": area,
                               "station_area_name": area_names.get(area),
                               "tier": tier,
                               **{name: stock[name].get(sid, 0) for name in STAFF}, "quotas": {}}
        for name, quota in yearly.items():
            row["quotas"][name] = {
                "year_to_date": ytd[name].get(sid, 0),
                "month": month[name].get(sid, 0),
                "quota": quota if quota_bearing else 0,
                "completion_percent": _completion(ytd[name].get(sid, 0), quota if quota_bearing else 0),
            }
        stations.append(row)
    counties = []
    for code in sorted(set(deployment.pilot_counties) | {s["area_code"] for s in stations}):
        mine = [s for s in stations if s["area_code"] == code]
        row = {"area_code": code, "name": deployment.county_name(code), "pilot_stations": len(mine),
               "pilot_township_stations": sum(s["tier"] == "township_station" for s in mine),
               **{name: sum(s[name] for s in mine) for name in STAFF}, "quotas": {}}
        # a county's progress counts what its quota-bearing stations did, as talent counts it: a pilot village
        # room's volunteers are listed on its own row but count towards no quota
        bearing = [s for s in mine if quota_kind(s["tier"], True) != "none"]
        for name in QUOTAS:
            done = sum(s["quotas"][name]["year_to_date"] for s in bearing)
            quota = sum(s["quotas"][name]["quota"] for s in bearing)
            row["quotas"][name] = {"year_to_date": done, "month": sum(s["quotas"][name]["month"] for s in bearing),
                                   "quota": quota, "completion_percent": _completion(done, quota)}
        counties.append(row)
    totals: dict[str, Any] = {
        key: sum(c[key] for c in counties) for key in ("pilot_stations", "pilot_township_stations", *STAFF)
    }
    totals["quotas"] = {}
    for name in QUOTAS:
        done, quota = (
            sum(c["quotas"][name]["year_to_date"] for c in counties),
            sum(c["quotas"][name]["quota"] for c in counties),
        )
        totals["quotas"][name] = {"year_to_date": done, "month": sum(c["quotas"][name]["month"] for c in counties),
                                  "quota": quota, "completion_percent": _completion(done, quota)}
    return {"report": "monthly_dispatch", "period": period, "year": end.year, "month": end.month, "since": since,
            "month_since": month_since, "as_of": as_of, "title": title(deployment.title_name, period),
            "time_elapsed_percent": str(_dec(Fraction(end.month * 100, 12), "0.1")),
            "counties": counties, "stations": stations, "totals": totals, "station_quotas": yearly}


def document(content: dict[str, Any]) -> Document:
    quota = content["station_quotas"]
    columns = ["区划代码", "县(区)", "试点站点", "试点乡镇(街道)站"] + list(STAFF.values())
    for label, _ in QUOTAS.values():
        columns += [f"{label}·本月", f"{label}·年累计", f"{label}·年度任务", f"{label}·完成率%"]

    def quota_cells(quotas: dict[str, Any]) -> list[Any]:
        cells: list[Any] = []
        for name in QUOTAS:
            q = quotas[name]
            cells += [q["month"], q["year_to_date"], q["quota"], number(q["completion_percent"])]
        return cells

    rows = [[c["area_code"], c["name"], c["pilot_stations"], c["pilot_township_stations"], *(c[k] for k in STAFF),
             *quota_cells(c["quotas"])] for c in content["counties"]]
    t = content["totals"]
    total = [
        "",
        "合计",
        t["pilot_stations"],
        t["pilot_township_stations"],
        *(t[k] for k in STAFF),
        *quota_cells(t["quotas"]),
    ]
    completion = [columns.index(f"{label}·完成率%") for label, _ in QUOTAS.values()]
    station_columns = ["县(区)", "站点编号", "站点名称", "所在乡镇(街道)/村(社区)", "层级"] + list(STAFF.values()) + [
        f"{label}·年累计/任务" for label, _ in QUOTAS.values()]
    station_rows = [
        [
            s["county"],
            s["station_id"],
            s.get("station_name"),
            s.get("station_area_name") or s.get("station_area_code"),
            TIER_LABELS.get(s["tier"], s["tier"]),
            *(s[k] for k in STAFF),
            *(f"{s['quotas'][n]['year_to_date']}/{s['quotas'][n]['quota']}" for n in QUOTAS),
        ]
        for s in content["stations"]
    ]
    return Document(
        title=content["title"],
        lines=[
            f"统计截至 {content['as_of']}，年度任务按全年计（累计自 {content['since']}，"
            f"时间进度 {content['time_elapsed_percent']}%）",
            f"版本 v{content.get('version', '')}",
            f"年度任务：省级试点乡镇(街道)站每站每年新增持证社工 {quota['certifications']} 名、"
            f"培训志愿者 {quota['volunteers_trained']} 名、登记社会组织 {quota['organisations_registered']} 个",
        ],
        sections=[
            Section(
                "试点县(区)汇总",
                columns,
                rows,
                total,
                Chart("年度任务完成率(%)", 1, completion, 100),
                sheet="试点县区",
                font_size=7,
            ),
            Section(
                "试点站点明细",
                station_columns,
                station_rows,
                sheet="试点站点",
                font_size=7,
                notes=[] if station_rows else ["本月末尚无开放的省级试点站点。"],
            ),
        ],
    )
