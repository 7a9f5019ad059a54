"""Casework in the console, for social workers, station operators and supervisors: the caseload (their cases
by stage, next step and deadline), intake (search the client first, by name, ID number or phone, with a
purpose and masked hits; register only when none matches, a minor with the guardian's consent), the case
page walking the six stages with notes, risk, referrals, transfer and the abuse report, the supervisor's
approval queue, the review of possible duplicate client records (dismiss or merge), complaints and satisfaction
surveys.

Every case read is an audited read in casework, so the console never reads a case or a caseload without a
purpose (X-Purpose): the case page asks for it first and carries it through the page's own forms."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pzh_shared.target_groups import TARGET_GROUPS

from gateway.auth import Principal
from gateway.console import lists
from gateway.console.lists import Column, Filter, ListView
from gateway.console.session import CHINA, PageModule, PageRoute, Reply, today

# The casework service's vocabulary (casework/domain/vocabulary.py), in Chinese: the gateway imports no service.
STAGES = {"intake": "接案", "assessment": "预估", "plan": "计划", "intervention": "介入", "evaluation": "评估",
          "closing": "结案"}
DOMAINS = {"social_assistance": "社会救助", "elderly_care": "养老服务", "child_welfare": "儿童福利",
           "marriage_family": "婚姻家庭", "funeral": "殡葬服务", "disability": "残疾人服务",
           "rural_revitalisation": "乡村振兴", "community_governance": "社区治理"}
SUBTYPES = {"policy_publicity": "政策宣传", "identification": "对象识别", "resource_linking": "资源链接",
            "counselling": "心理疏导", "capacity_building": "能力提升", "social_integration": "社会融入",
            "vagrants_beggars": "流浪乞讨人员救助"}
RISKS = {"low": "低", "medium": "中", "high": "高", "critical": "危急"}
POLICIES = {"minimum_living_allowance": "最低生活保障", "extreme_poverty_support": "特困人员救助供养",
            "disability_allowance": "残疾人两项补贴", "medical": "医疗救助", "education": "教育救助",
            "housing": "住房救助", "employment": "就业救助", "temporary_assistance": "临时救助",
            "legal_aid": "法律援助"}
OUTCOMES = {"granted": "已获批", "refused": "未获批", "withdrawn": "已撤回"}
CONSENT = {"guardian_consent": "监护人同意", "statutory_basis": "法定依据"}
DUE = {"overdue": "已逾期", "due_today": "今日到期", "upcoming": "未到期"}
AWAITING = {"plan": "服务计划", "closing": "结案"}
CHANNELS = {"in_person": "来访", "phone": "电话", "online": "网络", "letter": "信函", "suggestion_box": "意见箱"}
COMPLAINT_STATUS = {"received": "已受理", "handled": "已处理", "closed": "已办结"}
RESPONDENTS = {"client": "服务对象", "purchaser": "购买方", "implementer": "承接方"}
METHODS = {"interview": "访谈", "phone": "电话", "questionnaire": "问卷"}
SEARCH_BY = {"name": "姓名", "id_number": "身份证号码", "phone": "联系电话"}
AGE_BANDS = {"0-5": "0-5岁", "6-13": "6-13岁", "14-17": "14-17岁", "18-34": "18-34岁", "35-59": "35-59岁",
             "60-79": "60-79岁", "80+": "80岁及以上"}
MINOR_BANDS = ("0-5", "6-13", "14-17")
# casework's target groups (服务对象类别), each a checkbox `category_<code>` on the intake and case pages
CONSENT_AGE = 14  # casework's rule: a client under 14 needs a guardian's consent or a statutory basis
NAMES = {"STAGES": STAGES, "DOMAINS": DOMAINS, "SUBTYPES": SUBTYPES, "RISKS": RISKS, "POLICIES": POLICIES,
         "OUTCOMES": OUTCOMES, "CONSENT": CONSENT, "DUE": DUE, "AWAITING": AWAITING, "CHANNELS": CHANNELS,
         "COMPLAINT_STATUS": COMPLAINT_STATUS, "RESPONDENTS": RESPONDENTS, "METHODS": METHODS,
         "SEARCH_BY": SEARCH_BY, "AGE_BANDS": AGE_BANDS, "TARGET_GROUPS": TARGET_GROUPS}
# What a social worker usually gives as the purpose of a read (offered, never imposed: any text will do).
PURPOSES = ("个案跟进服务", "接案登记", "督导审批", "转介与资源链接", "结案评估")
CASELOAD_PURPOSE = "查看本人个案工作清单"
NOTICES = {"opened": "个案已开案。", "stage": "已进入下一阶段。", "risk": "风险等级已更新。",
           "referrals": "已登记转介。", "outcome": "已记录转介结果。", "transfer": "个案已转移。",
           "abuse-reports": "已上报疑似儿童受虐，风险等级升为危急。", "notes": "叙述记录已保存。",
           "closure": "个案已结案。", "consent": "已记录监护人同意或法定依据。", "plan": "服务计划已审批。",
           "closing": "结案已审批。", "complaint": "投诉已受理。", "handling": "已记录处理措施。",
           "complaint-closure": "投诉已办结。", "survey": "满意度调查已登记。",
           "possible_duplicate": "服务对象已登记。其姓名与出生日期与已有记录相同，已列入“疑似重复”待复核。",
           "categories": "服务对象类别已更新（此后开案的个案按新类别统计）。",
           "dismissal": "已排除：两条记录不是同一人。", "merge": "两条记录已合并，被合并的记录指向保留的记录。"}
CASE_ACTIONS = ("stage", "risk", "referrals", "outcome", "transfer", "abuse-reports", "notes", "closure")

APPROVALS = ListView(
    "/approvals", "待审批", id_key="case_id",
    columns=(Column("awaiting", "待审批事项", AWAITING, link="/console/cases/"), Column("awaiting_since", "提交日期"),
             Column("due_on", "审批期限"), Column("due", "期限状态", DUE), Column("risk_level", "风险等级", RISKS),
             Column("worker", "负责社工"), Column("area_code", "行政区划"), Column("opened_on", "开案日期")),
    filters=(Filter("kind", "待审批事项", AWAITING),), export=True)
CASES = ListView(
    "/cases", "个案台账", id_key="case_id",
    columns=(Column("stage_name", "阶段", link="/console/cases/"), Column("stage_since", "本阶段开始"),
             Column("domain", "服务领域", DOMAINS), Column("risk_level", "风险等级", RISKS),
             Column("worker", "负责社工"),
             Column("next_step_name", "下一步"), Column("due_on", "期限"), Column("due", "期限状态", DUE),
             Column("area_code", "行政区划"), Column("opened_on", "开案日期")),
    filters=(Filter("stage", "阶段", STAGES), Filter("risk_level", "风险等级", RISKS),
             Filter("status", "状态", {"open": "在办", "closed": "已结案"}), Filter("worker", "负责社工")))
DUPLICATES = ListView(
    "/clients/duplicates", "疑似重复服务对象", id_key="pair_id",
    columns=(Column("flagged_on", "发现日期"), Column("client_id", "新登记记录"), Column("area_code", "新登记记录区划"),
             Column("other_client_id", "已有记录"), Column("other_area_code", "已有记录区划")))
KEEP = {"other": "保留已有记录", "client": "保留新登记记录"}
COMPLAINTS = ListView(
    "/complaints", "投诉", id_key="complaint_id",
    columns=(Column("received_at", "受理时间", link="/console/complaints/"), Column("channel", "渠道", CHANNELS),
             Column("status", "状态", COMPLAINT_STATUS), Column("area_code", "行政区划"),
             Column("response_hours", "响应时长(小时)"), Column("resolution_hours", "办结时长(小时)")),
    filters=(Filter("status", "状态", COMPLAINT_STATUS), Filter("channel", "渠道", CHANNELS)))
SURVEYS = ListView(
    "/surveys", "满意度调查", id_key="survey_id",
    columns=(Column("surveyed_on", "调查日期"), Column("respondent", "调查对象", RESPONDENTS),
             Column("method", "调查方式", METHODS), Column("score", "评分"), Column("area_code", "行政区划")),
    filters=(Filter("respondent", "调查对象", RESPONDENTS), Filter("method", "调查方式", METHODS)))


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _status(reply: Reply) -> int:
    return reply.status if 400 <= reply.status < 500 else 502


def _version(form: dict[str, str]) -> dict[str, int]:
    value = form.get("expected_version", "")
    return {"expected_version": int(value)} if value.isdigit() and int(value) > 0 else {}


def _moment(value: str) -> str:
    """A datetime-local field (China's time) as the aware timestamp casework wants; empty: now."""
    if not value:
        return datetime.now(CHINA).replace(microsecond=0).isoformat()
    return f"{value}:00+08:00" if len(value) == 16 else f"{value}+08:00"


def case_body(action: str, form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body of a case form, or the fields it lacks (field -> message)."""
    body: dict[str, Any] = {"on": form.get("on") or today().isoformat(), **_version(form)}
    required = {"stage": ("stage",), "risk": ("risk_level",), "referrals": ("policy",), "outcome": ("outcome",),
                "transfer": ("to_station",), "notes": ("text",)}.get(action, ())
    missing = {name: "必填" for name in required if not form.get(name)}
    if missing:
        return {}, missing
    if action == "stage":
        body["stage"] = form["stage"]
    elif action == "risk":
        body["risk_level"] = form["risk_level"]
    elif action == "referrals":
        body["policy"] = form["policy"]
    elif action == "outcome":
        body["outcome"] = form["outcome"]
    elif action == "notes":
        body["text"] = form["text"]
    elif action == "transfer":
        station, _, area = form["to_station"].partition("|")
        body.update(to_station_id=station, to_area_code=area)
    return body, {}


def next_stage(case: dict[str, Any]) -> str | None:
    """The stage a case may move to next, or None (closing is the last: the case is then closed)."""
    order = list(STAGES)
    stage = case.get("stage")
    if stage not in order or order.index(stage) + 1 >= len(order):
        return None
    return order[order.index(stage) + 1]


def _categories(form: dict[str, str]) -> list[str]:
    return [code for code in TARGET_GROUPS if form.get(f"category_{code}")]


class CaseworkPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/caseload", self.caseload),
            ("GET", "/console/clients", self.intake),
            ("POST", "/console/clients/search", self.search),
            ("GET", "/console/clients/new", self.client_new),
            ("POST", "/console/clients/new", self.client_create),
            ("POST", "/console/clients/{client_id}/consent", self.consent),
            ("POST", "/console/clients/{client_id}/categories", self.categories),
            ("GET", "/console/clients/duplicates", self.duplicates),
            ("POST", "/console/clients/duplicates/{client_id}/{action}", self.duplicate_action),
            ("GET", "/console/cases", self.case_list),
            ("GET", "/console/cases/new", self.case_new),
            ("POST", "/console/cases/new", self.case_open),
            ("GET", "/console/cases/{case_id}", self.case_page),
            ("POST", "/console/cases/{case_id}/{action}", self.case_action),
            ("GET", "/console/approvals", self.approvals),
            ("POST", "/console/approvals/{case_id}", self.approve),
            ("GET", "/console/complaints", self.complaints),
            ("POST", "/console/complaints", self.complaint_receive),
            ("GET", "/console/complaints/{complaint_id}", self.complaint_page),
            ("POST", "/console/complaints/{complaint_id}/{step}", self.complaint_step),
            ("GET", "/console/surveys", self.surveys),
            ("POST", "/console/surveys", self.survey_record),
        ]

    async def api(self, token: str, method: str, path: str, body: Any = None, params: dict[str, str] | None = None,
                  purpose: str = "") -> Reply:
        """A call of the gateway's API with the purpose of a case read (percent-encoded UTF-8, as casework reads it)."""
        headers = {"Authorization": f"Bearer {token}"}
        if purpose:
            headers["X-Purpose"] = quote(purpose, safe="")
        response = await self.c.api_client.request(method, f"/api{path}", json=body, params=params, headers=headers)
        return Reply(response)

    def render(self, name: str, request: Request, p: Principal, status: int = 200, **context: Any) -> Response:
        return self.c.render(name, request, status, p, purposes=PURPOSES, **NAMES, **context)

    async def stations(self, token: str, p: Principal) -> list[dict[str, Any]]:
        """The open stations of the user's area, for the forms' station choices (by name, never a typed id)."""
        reply = await self.api(token, "GET", "/stations", params={"area": p.area_code, "status": "opened",
                                                                   "sort": "name", "limit": "200"})
        return [{"id": str(s.get("station_id") or s.get("id")), "name": s.get("name") or "", "area_code":
                 s.get("area_code") or ""} for s in reply.items]

    # --- the caseload -------------------------------------------------------------------------------

    async def caseload(self, request: Request, p: Principal, token: str) -> Response:
        query = {k: v for k in ("stage", "cursor", "sort") if (v := request.query_params.get(k, "").strip())}
        reply = await self.api(token, "GET", "/caseload", params={"limit": str(lists.PAGE_SIZE), **query},
                               purpose=CASELOAD_PURPOSE)
        if not reply.ok and reply.status in (403, 404):
            return self.c.failed(request, p, reply, "无法显示个案工作清单")
        data = reply.data if reply.ok and isinstance(reply.data, dict) else {}
        base = {k: v for k, v in query.items() if k != "cursor"}
        cursor = data.get("next_cursor")
        return self.render("casework/caseload.html", request, p, 200 if reply.ok else _status(reply),
                           rows=reply.items, total=data.get("total"), counts=data.get("counts") or {},
                           query=query, error="" if reply.ok else reply.message,
                           next_href=f"?{urlencode({**base, 'cursor': cursor})}" if cursor else "",
                           first_href=f"?{urlencode(base)}" if query.get("cursor") else "")

    # --- intake: search first, then register ----------------------------------------------------------

    async def intake_page(self, request: Request, p: Principal, token: str, status: int = 200,
                          values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                          error: str = "", hits: list[dict[str, Any]] | None = None) -> Response:
        areas = await lists.area_options(self.c, token, p)
        return self.render("casework/intake.html", request, p, status, areas=areas, hits=hits, error=error,
                           values=values or {"by": "name", "area_code": p.area_code}, errors=errors or {})

    async def intake(self, request: Request, p: Principal, token: str) -> Response:
        return await self.intake_page(request, p, token)

    async def search(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        """POST, so the value searched for is never in a URL or the browser's history."""
        missing = {k: "必填" for k in ("value", "purpose", "area_code") if not form.get(k)}
        values = {**form, "value": form.get("value", "")}
        if missing:
            return await self.intake_page(request, p, token, 422, values, missing, "请填写检索内容、检索范围和查阅目的")
        value = form["value"].upper() if form.get("by") == "id_number" else form["value"]
        body = {"by": form.get("by", "name"), "value": value, "area_code": form["area_code"]}
        reply = await self.api(token, "POST", "/clients/search", body, purpose=form["purpose"])
        if not reply.ok:
            return await self.intake_page(request, p, token, _status(reply), values, reply.field_errors,
                                          reply.message)
        return await self.intake_page(request, p, token, 200, values, hits=reply.items)

    async def client_form(self, request: Request, p: Principal, token: str, status: int = 200,
                          values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                          error: str = "", existing: str = "") -> Response:
        stations = await self.stations(token, p)
        return self.render("casework/client_new.html", request, p, status, stations=stations, existing=existing,
                           values=values or {"registered_on": today().isoformat()}, errors=errors or {}, error=error)

    async def client_new(self, request: Request, p: Principal, token: str) -> Response:
        return await self.client_form(request, p, token)

    def intake_errors(self, form: dict[str, str]) -> dict[str, str]:
        """What the form lacks before anything is registered, so a minor is never left without the consent."""
        errors = {k: "必填" for k in ("station", "name", "birth_date") if not form.get(k)}
        birth = _day(form.get("birth_date", ""))
        if form.get("birth_date") and birth is None:
            errors["birth_date"] = "日期格式应为 YYYY-MM-DD"
        if birth and age_on(birth, _day(form.get("registered_on", "")) or today()) < CONSENT_AGE \
                and not form.get("basis"):
            errors["basis"] = "未满14周岁的服务对象须记录监护人同意或法定依据"
        if form.get("basis") == "guardian_consent" and not form.get("guardian_name"):
            errors["guardian_name"] = "监护人同意须写明监护人姓名"
        if form.get("basis") == "statutory_basis" and not form.get("statutory_reference"):
            errors["statutory_reference"] = "法定依据须写明依据"
        return errors

    async def client_create(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        errors = self.intake_errors(form)
        if errors:
            return await self.client_form(request, p, token, 422, form, errors, "请检查标出的项目")
        station, _, area = form["station"].partition("|")
        body = {"station_id": station, "name": form["name"], "birth_date": form["birth_date"],
                **({"area_code": area} if area else {}),
                **{k: form[k].upper() if k == "id_number" else form[k]
                   for k in ("id_number", "phone", "address", "registered_on") if form.get(k)},
                "categories": _categories(form)}
        reply = await self.api(token, "POST", "/clients", body)
        if not reply.ok:
            details = (reply.data.get("error") or {}).get("details") if isinstance(reply.data, dict) else None
            existing = details.get("client_id", "") if reply.status == 409 and isinstance(details, dict) else ""
            errors = {"id_number": reply.message} if existing else reply.field_errors
            return await self.client_form(request, p, token, _status(reply), form, errors, reply.message, existing)
        client_id = str(reply.data["client_id"])
        registered = "possible_duplicate" if reply.data.get("possible_duplicates") else "registered"
        if form.get("basis"):
            consent = await self.record_consent(token, client_id, form)
            if not consent.ok:  # registered: the consent is recorded again from the case form
                return RedirectResponse(f"/console/cases/new?client_id={quote(client_id)}&consent_failed=1",
                                        status_code=303)
        return RedirectResponse(f"/console/cases/new?client_id={quote(client_id)}&notice={registered}",
                                status_code=303)

    async def record_consent(self, token: str, client_id: str, form: dict[str, str]) -> Reply:
        body: dict[str, Any] = {"basis": form.get("basis", ""), "on": form.get("consent_on") or
                                form.get("registered_on") or today().isoformat()}
        for k in ("guardian_name", "guardian_relationship", "guardian_phone", "statutory_reference"):
            if form.get(k):
                body[k] = form[k]
        return await self.api(token, "POST", f"/clients/{quote(client_id, safe='')}/consent", body)

    async def consent(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        client_id = request.path_params["client_id"]
        reply = await self.record_consent(token, client_id, form)
        if not reply.ok:
            return await self.case_form(request, p, token, _status(reply), client_id, form, reply.field_errors,
                                        reply.message, failed="consent")
        return RedirectResponse(f"/console/cases/new?client_id={quote(client_id)}&notice=consent", status_code=303)

    async def categories(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        """The client's categories from a day on, from the case page (which names the client's version it showed:
        a change made meanwhile is casework's 409, shown on the page)."""
        client_id, case_id, purpose = request.path_params["client_id"], form.get("case_id", ""), form.get("purpose", "")
        body = {"categories": _categories(form), "on": form.get("on") or today().isoformat(), **_version(form)}
        reply = await self.api(token, "POST", f"/clients/{quote(client_id, safe='')}/categories", body)
        if not reply.ok:
            return await self.case_page(request, p, token, _status(reply), reply.message, reply.field_errors,
                                        "categories", purpose, case_id)
        query = urlencode({"purpose": purpose, "notice": "categories"})
        return RedirectResponse(f"/console/cases/{quote(case_id, safe='')}?{query}", status_code=303)

    # --- opening a case -------------------------------------------------------------------------------

    async def case_form(self, request: Request, p: Principal, token: str, status: int = 200, client_id: str = "",
                        values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                        error: str = "", failed: str = "") -> Response:
        client_id = client_id or request.query_params.get("client_id", "").strip()
        if not client_id:
            return RedirectResponse("/console/clients", status_code=303)  # a client is found first, never typed
        stations = await self.stations(token, p)
        notice = NOTICES.get(request.query_params.get("notice", ""), "")
        if request.query_params.get("notice") == "registered":
            notice = "服务对象已登记。"
        if request.query_params.get("consent_failed"):
            error = error or "服务对象已登记，但监护人同意未能记录：请在下方重新记录"
        return self.render("casework/case_new.html", request, p, status, client_id=client_id, stations=stations,
                           values=values or {"opened_on": today().isoformat(), "risk_level": "low"},
                           errors=errors or {}, error=error, notice=notice, failed=failed)

    async def case_new(self, request: Request, p: Principal, token: str) -> Response:
        return await self.case_form(request, p, token)

    async def case_open(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        client_id = form.get("client_id", "")
        missing = {k: "必填" for k in ("station", "domain", "purpose") if not form.get(k)}
        if missing:
            return await self.case_form(request, p, token, 422, client_id, form, missing, "请检查标出的项目")
        station, _, area = form["station"].partition("|")
        body: dict[str, Any] = {"client_id": client_id, "station_id": station, "area_code": area,
                                "domain": form["domain"], "risk_level": form.get("risk_level") or "low",
                                "opened_on": form.get("opened_on") or today().isoformat(),
                                "suspected_child_abuse": form.get("suspected_child_abuse") == "on"}
        if form.get("subtype"):
            body["subtype"] = form["subtype"]
        reply = await self.api(token, "POST", "/cases", body)
        if not reply.ok:
            return await self.case_form(request, p, token, _status(reply), client_id, form, reply.field_errors,
                                        reply.message)
        case_id = quote(str(reply.data["case_id"]), safe="")
        query = urlencode({"purpose": form["purpose"], "notice": "opened"})
        return RedirectResponse(f"/console/cases/{case_id}?{query}", status_code=303)

    # --- the case page --------------------------------------------------------------------------------

    async def case_list(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, CASES)

    async def case_page(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                        errors: dict[str, str] | None = None, failed: str = "", purpose: str = "",
                        case_id: str = "") -> Response:
        case_id = case_id or request.path_params["case_id"]
        purpose = purpose or request.query_params.get("purpose", "").strip()
        if not purpose:  # a case file is read only for a stated purpose, and the read is audited
            return self.render("casework/purpose.html", request, p, status, case_id=case_id)
        case, stations = await asyncio.gather(
            self.api(token, "GET", f"/cases/{quote(case_id, safe='')}", purpose=purpose), self.stations(token, p))
        if not case.ok:
            return self.c.failed(request, p, case, "无法打开该个案")
        data = case.data
        return self.render(
            "casework/case.html", request, p, status, case=data, case_id=case_id, purpose=purpose, error=error,
            errors=errors or {}, failed=failed, next_stage=next_stage(data), today=today().isoformat(),
            notice=NOTICES.get(request.query_params.get("notice", ""), ""), minor=data.get("age_band") in MINOR_BANDS,
            stations=[s for s in stations if s["id"] != data.get("station_id")],
            station_name={s["id"]: s["name"] for s in stations}.get(str(data.get("station_id")), ""))

    async def case_action(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        case_id, action = request.path_params["case_id"], request.path_params["action"]
        purpose = form.get("purpose", "")
        if action not in CASE_ACTIONS:
            return self.c.render("error.html", request, 404, p, title="未找到", message="没有这项个案操作")
        body, missing = case_body(action, form)
        if missing:
            return await self.case_page(request, p, token, 422, "请检查标出的项目", missing, action, purpose)
        path = f"/cases/{quote(case_id, safe='')}/{action}"
        if action == "outcome":
            path = f"/cases/{quote(case_id, safe='')}/referrals/{quote(form.get('referral_id', ''), safe='')}/outcome"
        reply = await self.api(token, "POST", path, body)
        if not reply.ok:
            return await self.case_page(request, p, token, _status(reply), reply.message, reply.field_errors, action,
                                        purpose)
        query = urlencode({"purpose": purpose, "notice": action})
        return RedirectResponse(f"/console/cases/{quote(case_id, safe='')}?{query}", status_code=303)

    # --- the supervisor's approval queue --------------------------------------------------------------

    async def approvals(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, APPROVALS, "casework/approvals.html",
                                notice=NOTICES.get(request.query_params.get("notice", ""), ""),
                                failed_case="", approve_error="", AWAITING=AWAITING)

    async def approve(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        case_id = request.path_params["case_id"]
        kind = form.get("kind", "")
        if kind not in AWAITING:
            return self.c.render("error.html", request, 422, p, title="无法审批", message="请选择审批事项")
        # the approver is the signed-in supervisor: the gateway names it to casework (X-User) and checks its role
        body = {"on": form.get("on") or today().isoformat(), **_version(form)}
        reply = await self.api(token, "POST", f"/cases/{quote(case_id, safe='')}/{kind}-approval", body)
        if not reply.ok:
            return await lists.show(self.c, request, p, token, APPROVALS, "casework/approvals.html", notice="",
                                    failed_case=case_id, approve_error=reply.message,
                                    AWAITING=AWAITING)
        return RedirectResponse(f"/console/approvals?notice={kind}", status_code=303)

    # --- possible duplicate clients: one person, one record --------------------------------------------

    async def duplicates(self, request: Request, p: Principal, token: str, error: str = "",
                         status: int = 200) -> Response:
        page = await lists.show(self.c, request, p, token, DUPLICATES, "casework/duplicates.html",
                                notice=NOTICES.get(request.query_params.get("notice", ""), ""), action_error=error,
                                KEEP=KEEP, purposes=PURPOSES)
        if page.status_code == 200:
            page.status_code = status  # the page, with why the dismissal or merge asked for was refused
        return page

    async def duplicate_action(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        """Dismiss ("not the same person") or merge a flagged pair; both are audited in casework, so both need a
        purpose, and a merge a reason."""
        client_id, action = request.path_params["client_id"], request.path_params["action"]
        other = form.get("other_client_id", "")
        if action not in ("dismissal", "merge"):
            return self.c.render("error.html", request, 404, p, title="无法处理", message="没有这个操作")
        missing = [label for key, label in (("purpose", "查阅目的"), ("reason", "合并原因"))
                   if not form.get(key) and (key == "purpose" or action == "merge")]
        if missing:
            return await self.duplicates(request, p, token, f"请填写{'和'.join(missing)}", 422)
        on = today().isoformat()
        if action == "dismissal":
            reply = await self.api(token, "POST", f"/clients/{quote(client_id, safe='')}/duplicate-dismissal",
                                   {"other_client_id": other, "on": on}, purpose=form["purpose"])
        else:
            merged, kept = (other, client_id) if form.get("keep") == "client" else (client_id, other)
            reply = await self.api(token, "POST", f"/clients/{quote(merged, safe='')}/merge",
                                   {"into": kept, "reason": form["reason"], "on": on}, purpose=form["purpose"])
        if not reply.ok:
            return await self.duplicates(request, p, token, reply.message, _status(reply))
        return RedirectResponse(f"/console/clients/duplicates?notice={action}", status_code=303)

    # --- complaints and satisfaction surveys ----------------------------------------------------------

    async def complaints(self, request: Request, p: Principal, token: str, status: int = 200,
                         values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                         form_error: str = "") -> Response:
        stations = await self.stations(token, p)
        response = await lists.show(self.c, request, p, token, COMPLAINTS, "casework/complaints.html",
                                    stations=stations, values=values or {}, errors=errors or {},
                                    form_error=form_error, CHANNELS=CHANNELS, COMPLAINT_STATUS=COMPLAINT_STATUS)
        if status != 200:
            response.status_code = status
        return response

    async def complaint_receive(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        missing = {k: "必填" for k in ("station", "channel", "summary") if not form.get(k)}
        if missing:
            return await self.complaints(request, p, token, 422, form, missing, "请检查标出的项目")
        station, _, area = form["station"].partition("|")
        body = {"station_id": station, "channel": form["channel"], "summary": form["summary"],
                "received_at": _moment(form.get("received_at", "")), **({"area_code": area} if area else {})}
        reply = await self.api(token, "POST", "/complaints", body)
        if not reply.ok:
            return await self.complaints(request, p, token, _status(reply), form, reply.field_errors, reply.message)
        complaint_id = quote(str(reply.data["complaint_id"]), safe="")
        return RedirectResponse(f"/console/complaints/{complaint_id}?notice=complaint", status_code=303)

    async def complaint_page(self, request: Request, p: Principal, token: str, status: int = 200,
                             error: str = "", errors: dict[str, str] | None = None, failed: str = "") -> Response:
        complaint_id = request.path_params["complaint_id"]
        reply = await self.api(token, "GET", f"/complaints/{quote(complaint_id, safe='')}")
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示该投诉")
        return self.render("casework/complaint.html", request, p, status, complaint=reply.data, error=error,
                           errors=errors or {}, failed=failed,
                           notice=NOTICES.get(request.query_params.get("notice", ""), ""))

    async def complaint_step(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        complaint_id, step = request.path_params["complaint_id"], request.path_params["step"]
        field, moment = {"handling": ("action", "handled_at"), "closure": ("response", "closed_at")}.get(step, ("", ""))
        if not field:
            return self.c.render("error.html", request, 404, p, title="未找到", message="没有这项投诉操作")
        if not form.get(field):
            return await self.complaint_page(request, p, token, 422, "请检查标出的项目", {field: "必填"}, step)
        body = {field: form[field], moment: _moment(form.get(moment, ""))}
        reply = await self.api(token, "POST", f"/complaints/{quote(complaint_id, safe='')}/{step}", body)
        if not reply.ok:
            return await self.complaint_page(request, p, token, _status(reply), reply.message, reply.field_errors,
                                             step)
        notice = "handling" if step == "handling" else "complaint-closure"
        return RedirectResponse(f"/console/complaints/{quote(complaint_id, safe='')}?notice={notice}", status_code=303)

    async def surveys(self, request: Request, p: Principal, token: str, status: int = 200,
                      values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                      form_error: str = "") -> Response:
        stations = await self.stations(token, p)
        response = await lists.show(self.c, request, p, token, SURVEYS, "casework/surveys.html", stations=stations,
                                    values=values or {"surveyed_on": today().isoformat()}, errors=errors or {},
                                    form_error=form_error, RESPONDENTS=RESPONDENTS, METHODS=METHODS,
                                    notice=NOTICES.get(request.query_params.get("notice", ""), ""))
        if status != 200:
            response.status_code = status
        return response

    async def survey_record(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        missing = {k: "必填" for k in ("station", "respondent", "method", "score") if not form.get(k)}
        if missing:
            return await self.surveys(request, p, token, 422, form, missing, "请检查标出的项目")
        station, _, area = form["station"].partition("|")
        body = {"station_id": station, "respondent": form["respondent"], "method": form["method"],
                "score": form["score"], "surveyed_on": form.get("surveyed_on") or today().isoformat(),
                **({"area_code": area} if area else {})}
        reply = await self.api(token, "POST", "/surveys", body)
        if not reply.ok:
            return await self.surveys(request, p, token, _status(reply), form, reply.field_errors, reply.message)
        return RedirectResponse("/console/surveys?notice=survey", status_code=303)
