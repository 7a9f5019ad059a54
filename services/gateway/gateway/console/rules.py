"""报表规则: an owning area's rules book through the API (GET/POST /read-models/rules/{area}): the root's reporting
rules, or a county's own scorecard rubric (评价细则, A2 §5.1.3); the versions past, in force and future with what
each changed from the one before, and a new version made from the current one with its effective date."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pzh_shared.areas import AreaLevel, level_of

from gateway.auth import Principal
from gateway.console import lists
from gateway.console.session import PageModule, PageRoute

# the Chinese name of each part of a rules version's field paths (rubric.dimension_points.facilities)
PART_NAMES = {
    "rubric": "评价细则", "dimension_points": "维度分值", "facilities": "设施", "staffing": "人员", "services": "服务",
    "management": "管理", "satisfaction": "满意度", "staffing_parts": "人员分项", "certified_workers": "持证社工",
    "head": "站长", "certifications": "年内新增持证", "certified_workers_per_station": "每站持证社工数",
    "management_parts": "管理分项", "closure": "投诉办结", "timeliness": "响应及时", "level_points": "发展等级分值",
    "professional": "专业", "standard": "标准", "basic": "基础", "none": "未定级",
    "response_hours": "投诉响应时限(小时)",
    "grade_floors": "等级分数线", "excellent": "优秀", "good": "良好", "pass": "合格", "notes": "说明",
    "notice_weights": "季度通报权重", "general_station": "总站", "township_station": "乡镇站", "village_room": "村室",
    "organisations": "社会组织", "volunteers_trained": "培训志愿者", "station_quotas": "站点年度配额",
    "certified_per_station": "每站新增持证", "volunteers_per_station": "每站培养志愿者",
    "organisations_registered_pilot": "试点站登记组织", "organisations_incubated_other": "其他站孵化组织",
    "beneficiaries_per_station": "每站服务对象受益", "provincial_pilot_counties": "省级试点县(区)",
    "calendar": "报送节奏", "monthly_dispatch": "月度调度", "quarterly_notice": "季度通报",
    "half_year_report": "半年报告",
    "year_end_shortlist": "年终表彰", "station_scorecard": "乡镇社工站年度评估", "due_days_after_end": "期末后天数",
    "due_next_year_on": "次年截止日(月-日)",
}
Leaves = dict[str, Any]


def flatten(version: dict[str, Any], prefix: str = "") -> Leaves:
    """A version's leaves by dotted path (a list is one leaf)."""
    leaves: Leaves = {}
    for key, value in version.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            leaves |= flatten(value, f"{path}.")
        else:
            leaves[path] = value
    return leaves


def label(path: str) -> str:
    return " · ".join(PART_NAMES.get(part, part) for part in path.split("."))


def shown(value: Any) -> str:
    if value is None:
        return ""
    return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)


def changes(before: Leaves, after: Leaves) -> list[dict[str, str]]:
    """What a version changed from the one before it: each field added, removed or given another value."""
    return [{"path": path, "label": label(path), "before": shown(before.get(path)), "after": shown(after.get(path))}
            for path in sorted(before.keys() | after.keys()) if before.get(path) != after.get(path)]


def _typed(value: str, like: Any) -> Any:
    """A form field's text as the type of the current version's value there (a bad number is sent as typed, and
    the API's 422 names the field)."""
    text = value.strip()
    if isinstance(like, list):
        return [part.strip() for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()]
    if isinstance(like, int) or (like is None and text.lstrip("-").isdigit()):
        return int(text) if text.lstrip("-").isdigit() else text
    return None if like is None and not text else text


def unflatten(leaves: Leaves) -> dict[str, Any]:
    version: dict[str, Any] = {}
    for path, value in leaves.items():
        *parents, last = path.split(".")
        node = version
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return version


def _current(book: dict[str, Any]) -> dict[str, Any]:
    """The version a new one starts from: the owner's in force today, else the root's it is scored by, else its
    latest (a county whose only versions are still to come)."""
    versions = book["versions"]
    in_force: dict[str, Any] | None = next((v for v in versions if v["in_force"]), None)
    found: dict[str, Any] = in_force or book.get("inherited") or versions[-1]
    return found


class RulesPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [("GET", "/console/rules", self.rules), ("POST", "/console/rules", self.revise)]

    async def _owners(self, token: str, p: Principal) -> dict[str, str]:
        """The rules books the user reaches: their own area's (the root's, or their county's) and their counties'."""
        areas = await lists.area_options(self.c, token, p)
        return {code: name for code, name in areas.items()
                if code == p.area_code or level_of(code) is AreaLevel.COUNTY}

    async def rules(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                    form: dict[str, str] | None = None) -> Response:
        owners = await self._owners(token, p)
        area = (form or {}).get("area") or request.query_params.get("area") or p.area_code
        reply = await self.c.api(token, "GET", f"/read-models/rules/{quote(area, safe='')}")
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示报表规则")
        book = reply.data
        versions = book["versions"]
        previous: Leaves = flatten(book["inherited"]["version"]) if book.get("inherited") else {}
        for version in versions:
            leaves = flatten(version["version"])
            version["changes"] = changes(previous, leaves) if previous else []
            previous = leaves
        current = _current(book)
        fields = [{"path": path, "label": label(path), "value": (form or {}).get(f"f:{path}", shown(value)),
                   "long": isinstance(value, str) and len(value) > 12}
                  for path, value in flatten(current["version"]).items()]
        return self.c.render(
            "rules.html", request, status, p, book=book, versions=list(reversed(versions)), owners=owners,
            area=area, area_name=owners.get(area, area), current=current, fields=fields, error=error,
            effective_from=(form or {}).get("effective_from") or book["earliest_effective_from"],
            notice="已记录新版本" if request.query_params.get("recorded") else "")

    async def revise(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        area = form.get("area", "")
        path = f"/read-models/rules/{quote(area, safe='')}"
        now = await self.c.api(token, "GET", path)
        if not now.ok:
            return self.c.failed(request, p, now, "无法修订报表规则")
        book = now.data
        base = _current(book)
        typed = {leaf: _typed(form.get(f"f:{leaf}", shown(value)), value)
                 for leaf, value in flatten(base["version"]).items()}
        expected = form.get("expected_version", "")
        body = {"effective_from": form.get("effective_from", ""), "version": unflatten(typed),
                "expected_version": int(expected) if expected.isdigit() else None}
        reply = await self.c.api(token, "POST", path, body=body)
        if not reply.ok:
            status = reply.status if 400 <= reply.status < 500 else 502
            return await self.rules(request, p, token, status, reply.message, form)
        return RedirectResponse(f"/console/rules?{urlencode({'area': area, 'recorded': 1})}", status_code=303)
