"""The township's public complaint page (issue 17 item 9; annex 2 §5.2: the township "設立意見反饋和投訴渠道,
接受群眾監督"): residents complain about a station of the township without signing in, and follow the complaint by
its receipt number.

    GET  /public/complaints/{township_code}    the form: the township's name and its open stations
    POST /public/complaints/{township_code}    a complaint: recorded by casework (channel online) -> its receipt
    GET  /public/complaints/receipt/{number}   the complaint's course (received, handled, closed and when), never text
    GET  /public/complaints/receipt?number=    the lookup form's target: to the page above

The township and its stations are the registry's public data; casework records the complaint in the chosen
station's area, so the township's staff find it in the console's complaint list and the station's scorecard counts
it like any other. No contact is asked for: a complaint's only personal data is its text (kept by casework, never
in lists, events, logs or metrics), and the receipt replaces a call back.

Abuse: every page is limited per client IP, complaints also per township (429, shared by the replicas on
PostgreSQL like the API's limits); the form carries a token signed for the township and the hour it was served
(CSRF: another site cannot make one), and a hidden honeypot field that people leave empty: a filled one is answered
as if accepted, with a receipt that leads nowhere, stores nothing, and is counted in pzh_public_complaints_total."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import Counter
from pzh_shared.areas import AreaLevel, scope_prefix

from gateway.adapters.store import GatewayStore
from gateway.adapters.upstream import Upstream
from gateway.api.limits import Limiter, RateLimiter
from gateway.console.session import SECURITY_HEADERS
from gateway.settings import GatewaySettings

HERE = Path(__file__).parent
CHINA = timezone(timedelta(hours=8))
FORM_TTL = 2 * 3600  # seconds a served form may be sent back: time to write a complaint on a phone
MAX_FORM_BYTES = 32 * 1024  # a full summary percent-encoded (2000 characters of up to 9 bytes each) and the rest
SUMMARY_MAX = 2000  # characters; casework's own limit for residents' complaints is the same
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # casework's: a honeypot's receipt looks like a real one
HONEYPOT = "website"  # the hidden field: a person never sees it, a form-filling bot fills it
ACTIVE = ("opened", "suspended")  # stations a resident may complain about
STATUS_NAMES = {"received": "已受理", "handled": "处理中", "closed": "已办结"}
_TOWNSHIP_CODE = re.compile(r"\d{9}")
_RECEIPT_TEXT = re.compile(r"[0-9A-Za-z -]{1,40}")

SUBMITTED = Counter("pzh_public_complaints", "Complaints sent on the public complaint pages, by outcome: accepted "
                    "(recorded), honeypot (a bot filled the hidden field: answered as accepted, nothing stored), "
                    "refused (an expired form or a field to correct), rate_limited", ["outcome"])


class Unavailable(Exception):
    """A service did not answer as it should: the resident is asked to try again later (503)."""


@dataclass
class Township:
    code: str
    name: str
    stations: dict[str, dict[str, Any]]  # station id -> the registry's list row (name, area_code)


def _limiter(settings: GatewaySettings, store: GatewayStore, per_minute: int) -> Limiter:
    """A bucket per key in this process, or in the PostgreSQL store that the replicas share (as api.app.open_store)."""
    if settings.store == "postgres":
        from gateway.adapters.postgres_store import PostgresGatewayStore

        assert isinstance(store, PostgresGatewayStore)
        return store.rate_limiter(per_minute)
    return RateLimiter(per_minute)


def _form_key(settings: GatewaySettings) -> bytes:
    """The forms' signing key, derived from the gateway's secret so that every replica checks every form; without a
    secret (development: one process) this process's own, as the Authenticator does for its tokens."""
    secret = settings.jwt_secret.get_secret_value().encode() or secrets.token_bytes(32)
    return hashlib.sha256(b"pzh-public-complaint-form\x00" + secret).digest()


def _china_time(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return ""


def _grouped(receipt: str) -> str:
    """A receipt as printed: three groups of four, easier to copy by hand."""
    return "-".join(receipt[i:i + 4] for i in range(0, len(receipt), 4))


class PublicComplaints:
    def __init__(self, settings: GatewaySettings, store: GatewayStore, upstreams: dict[str, Upstream],
                 clock: Callable[[], float]):
        self.registry, self.casework = upstreams["registry"].client, upstreams["casework"].client
        self.by_ip = _limiter(settings, store, settings.public_requests_per_ip_per_minute)
        self.by_township = _limiter(settings, store, settings.public_complaints_per_township_per_minute)
        self.root, self.key, self.clock = scope_prefix(settings.city_area_code), _form_key(settings), clock
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(["html"]))
        self.templates.globals.update(SYSTEM_NAME=settings.system_name, STATUS_NAMES=STATUS_NAMES,
                                      SUMMARY_MAX=SUMMARY_MAX, HONEYPOT=HONEYPOT)
        self.templates.filters.update(china_time=_china_time, grouped=_grouped)

    # --- answers ---------------------------------------------------------------------------------------

    def render(self, name: str, status: int = 200, headers: dict[str, str] | None = None,
               **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})

    def message(self, status: int, title: str, text: str, back: str = "",
                headers: dict[str, str] | None = None) -> HTMLResponse:
        return self.render("message.html", status, headers, title=title, text=text, back=back)

    def form_page(self, township: Township, status: int = 200, values: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None) -> HTMLResponse:
        return self.render("complaint.html", status, township=township, values=values or {}, errors=errors or {},
                           form_token=self.form_token(township.code))

    def limited(self, bucket: Limiter, key: str) -> HTMLResponse | None:
        wait = bucket.take(key)
        if not wait:
            return None
        return self.message(429, "请求过于频繁", f"请求过于频繁，请 {wait} 秒后再试。",
                            headers={"Retry-After": str(wait)})

    @staticmethod
    def client_ip(request: Request) -> str:
        """The resident's address as uvicorn found it (behind a proxy: from X-Forwarded-For when the proxy's address
        is in FORWARDED_ALLOW_IPS, docs/operations.md)."""
        return request.client.host if request.client else ""

    # --- the form token ----------------------------------------------------------------------------------

    def _signature(self, township_code: str, issued: int) -> str:
        return hmac.new(self.key, f"{township_code}.{issued}".encode(), hashlib.sha256).hexdigest()

    def form_token(self, township_code: str) -> str:
        issued = int(self.clock())
        return f"{issued}.{self._signature(township_code, issued)}"

    def token_valid(self, township_code: str, token: str) -> bool:
        issued, _, signature = token.partition(".")
        if not issued.isdigit() or len(issued) > 12:
            return False
        if not hmac.compare_digest(signature, self._signature(township_code, int(issued))):
            return False
        return 0 <= self.clock() - int(issued) <= FORM_TTL

    # --- the registry's public data ------------------------------------------------------------------------

    async def _json(self, client: httpx.AsyncClient, path: str, params: dict[str, str] | None = None) -> Any:
        """The service's JSON answer; None for a 404; Unavailable for anything else that is not a 200."""
        try:
            reply = await client.get(path, params=params)
        except httpx.HTTPError:
            raise Unavailable from None
        if reply.status_code == 404:
            return None
        if reply.status_code != 200:
            raise Unavailable
        return reply.json()

    async def township(self, code: str) -> Township | None:
        """The township of this code in the deployment's area with its open stations, or None."""
        if not _TOWNSHIP_CODE.fullmatch(code) or not code.startswith(self.root):
            return None
        area = await self._json(self.registry, f"/areas/{code}")
        if not isinstance(area, dict) or area.get("level") != AreaLevel.TOWNSHIP or not area.get("valid", True):
            return None
        page = await self._json(self.registry, "/stations", {"area": code, "limit": "200"})
        rows = page.get("items", []) if isinstance(page, dict) else []
        stations = {str(row["station_id"]): row for row in rows
                    if isinstance(row, dict) and row.get("status") in ACTIVE}
        return Township(code, str(area.get("name") or code), stations)

    async def known_township(self, code: str) -> Township | HTMLResponse:
        try:
            township = await self.township(code)
        except Unavailable:
            return self.unavailable()
        if township is None:
            return self.message(404, "未找到该乡镇（街道）",
                                f"未找到行政区划代码为 {code[:12]} 的乡镇（街道），请核对投诉页面的网址。")
        return township

    def unavailable(self) -> HTMLResponse:
        return self.message(503, "服务暂时不可用", "服务暂时不可用，请稍后再试。", headers={"Retry-After": "30"})

    # --- the pages ----------------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        refused = self.limited(self.by_ip, f"public-ip:{self.client_ip(request)}")
        if refused:
            return refused
        township = await self.known_township(request.path_params["township_code"])
        return township if isinstance(township, Response) else self.form_page(township)

    async def submit(self, request: Request) -> Response:
        refused = self.limited(self.by_ip, f"public-ip:{self.client_ip(request)}")
        if refused:
            SUBMITTED.labels("rate_limited").inc()
            return refused
        township = await self.known_township(request.path_params["township_code"])
        if isinstance(township, Response):
            return township
        back = f"/public/complaints/{township.code}"
        form = await self._form(request)
        if form is None:
            SUBMITTED.labels("refused").inc()
            return self.message(413, "内容过长", f"提交的内容过长：投诉内容（summary）不能超过 {SUMMARY_MAX} 字。",
                                back)
        if not self.token_valid(township.code, form.get("form_token", "")):
            SUBMITTED.labels("refused").inc()
            return self.message(403, "表单已过期", "表单已过期或来源无效（form_token），请重新打开投诉页面填写。", back)
        if form.get(HONEYPOT):
            # answered like a recorded complaint, so that the bot learns nothing
            SUBMITTED.labels("honeypot").inc()
            return self.render("submitted.html", township=township, receipt="".join(
                secrets.choice(RECEIPT_ALPHABET) for _ in range(12)))
        refused = self.limited(self.by_township, f"public-township:{township.code}")
        if refused:
            SUBMITTED.labels("rate_limited").inc()
            return refused
        errors = self._errors(township, form)
        if errors:
            SUBMITTED.labels("refused").inc()
            return self.form_page(township, 422, form, errors)
        station = township.stations[form["station_id"]]
        body = {"station_id": form["station_id"], "area_code": station["area_code"], "summary": form["summary"]}
        try:
            reply = await self.casework.post("/complaints/public", json=body)
        except httpx.HTTPError:
            return self.unavailable()
        if reply.status_code != 201:
            return self.unavailable()
        SUBMITTED.labels("accepted").inc()
        return self.render("submitted.html", township=township, receipt=str(reply.json()["receipt"]))

    @staticmethod
    def _errors(township: Township, form: dict[str, str]) -> dict[str, str]:
        errors = {}
        if not form.get("station_id"):
            errors["station_id"] = "请选择被投诉的站点（station_id）"
        elif form["station_id"] not in township.stations:
            errors["station_id"] = f"所选站点（station_id）不属于{township.name}，请从列表中选择"
        if not form.get("summary"):
            errors["summary"] = "请填写投诉内容（summary）"
        elif len(form["summary"]) > SUMMARY_MAX:
            errors["summary"] = f"投诉内容（summary）不能超过 {SUMMARY_MAX} 字，现为 {len(form['summary'])} 字"
        return errors

    @staticmethod
    async def _form(request: Request) -> dict[str, str] | None:
        """The form's fields, or None when it is larger than MAX_FORM_BYTES (known from Content-Length or read)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            return None
        raw = await request.body()  # the gateway's body limit (max_request_bytes) bounds what is read
        if len(raw) > MAX_FORM_BYTES:
            return None
        return {k: v.strip() for k, v in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)}

    async def lookup(self, request: Request) -> Response:
        """The lookup form's target (GET ?number=): the receipt's own page."""
        number = request.query_params.get("number", "").strip()
        if not number:
            return self.message(422, "请输入回执号", "请输入回执号（number）后再查询。")
        return RedirectResponse(f"/public/complaints/receipt/{quote(number[:40], safe='')}", status_code=303)

    async def receipt(self, request: Request) -> Response:
        refused = self.limited(self.by_ip, f"public-ip:{self.client_ip(request)}")
        if refused:
            return refused
        number = request.path_params["number"]
        not_found = self.message(404, "未找到该回执号", "未找到该回执号，请核对后重新输入（字母不分大小写）。")
        if not _RECEIPT_TEXT.fullmatch(number):
            return not_found
        try:
            status = await self._json(self.casework, f"/complaints/receipts/{quote(number, safe='')}")
        except Unavailable:
            return self.unavailable()
        if not isinstance(status, dict):
            return not_found
        return self.render("receipt.html", number=number.upper(), complaint=status)


def install_public_pages(app: FastAPI) -> None:
    """Mounts the public pages on the gateway `app` (its settings, store, upstream clients and clock in app.state)."""
    context = app.state.gateway
    pages = PublicComplaints(context.settings, app.state.store, app.state.upstreams, context.clock)
    app.mount("/public/static", StaticFiles(directory=HERE / "static"), name="public-static")
    # the receipt's routes first: "receipt" would otherwise be taken for a township code
    for method, path, endpoint in (("GET", "/public/complaints/receipt", pages.lookup),
                                   ("GET", "/public/complaints/receipt/{number}", pages.receipt),
                                   ("GET", "/public/complaints/{township_code}", pages.page),
                                   ("POST", "/public/complaints/{township_code}", pages.submit)):
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=False, response_class=HTMLResponse)
