"""HTTP conventions every service's API shares: one error body shape, readable messages."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pzh_shared.metrics import DATABASE_UNAVAILABLE_RESPONSES

# A database outage answers 503 with this many seconds in Retry-After: long enough not to hammer a
# restarting server, short enough that a client's retry lands soon after it is back.
DATABASE_RETRY_AFTER = 5
DATABASE_UNAVAILABLE = "数据库暂时不可用，请求未被处理，请稍后重试"


def error_body(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details  # type: ignore[index]
    return JSONResponse(status_code=status, content=body)


def _problem(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind == "extra_forbidden":
        return "不接受此字段"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in ("enum", "literal_error"):
        return f"取值应为 {str(ctx.get('expected', '')).replace(' or ', ' 或 ')}".strip()
    if kind.startswith("date") or kind.startswith("datetime"):
        return "应为日期，格式 YYYY-MM-DD"
    if kind.startswith("uuid"):
        return "应为 UUID"
    if kind.startswith("int"):
        return "应为整数"
    if kind.startswith("float") or kind.startswith("decimal"):
        return "应为数字"
    if kind.startswith("bool"):
        return "应为 true 或 false"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"应 {sign} {bound:g}" if isinstance(bound, int | float) else f"应 {sign} {bound}"
    if kind == "value_error":
        return str(err.get("msg", "")).removeprefix("Value error, ") or "取值无效"
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return "请求体应为 JSON 对象"
    if kind.startswith("string"):
        return "应为文本"
    return "取值无效"


def describe(errors: list[dict[str, Any]], labels: dict[str, str]) -> tuple[str, list[dict[str, str]]]:
    details = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        field = ".".join(loc) or "body"
        named = [part for part in loc if not part.isdigit()]  # an item of a list is labelled as its list
        label = labels.get(named[-1]) if named else None
        details.append({"field": field, "problem": _problem(err), "label": label or field})
    message = "；".join(
        f"{d['label']}({d['field']})：{d['problem']}" if d["label"] != d["field"] else f"{d['field']}：{d['problem']}"
        for d in details
    )
    return f"请求内容无效：{message}", details


# The framework's own English answers, in the users' language. A body FastAPI cannot parse (broken
# JSON, or nested so deep that Python's json gives up) is an invalid request like any other: 422,
# the same answer the gateway gives for deep JSON before it reaches a service.
_FRAMEWORK_ERRORS: dict[tuple[int, str], tuple[int, str, str]] = {
    (400, "There was an error parsing the body"): (
        422,
        "invalid_request",
        "请求内容无效：请求体无法解析为 JSON（格式错误或嵌套过深）",
    ),
    (404, "Not Found"): (404, "not_found", "未找到"),
    (405, "Method Not Allowed"): (405, "method_not_allowed", "不支持此请求方法"),
}


def install_error_handlers(app: FastAPI, domain_errors: dict[type[Exception], tuple[int, str]],
                           field_labels: dict[str, str] | None = None) -> None:
    """Maps validation errors to a readable Chinese 422 ("标签(field)：问题", never repeating the
    submitted value, which may be personal data) and each domain error class to (status, code), in
    one place. An exception with a `details` attribute (e.g. the lines an import rejected) gets it
    in the body."""
    labels = field_labels or {}

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = describe(list(exc.errors()), labels)
        return error_body(422, "invalid_request", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status, code, message = _FRAMEWORK_ERRORS.get((exc.status_code, str(exc.detail)),
                                                      (exc.status_code, "http_error", str(exc.detail)))
        return error_body(status, code, message)

    for error_cls, (status, code) in domain_errors.items():
        def _handler(_: Request, exc: Exception, status: int = status, code: str = code) -> JSONResponse:
            return error_body(status, code, str(exc), getattr(exc, "details", None))

        app.add_exception_handler(error_cls, _handler)

    install_unavailable_handler(app)


def install_unavailable_handler(app: FastAPI) -> None:
    """The event store's connection errors (PostgreSQL down or restarting, SQLite locked too long)
    answer 503 with Retry-After: the command was not stored, and retrying later is safe. Never a
    2xx: the error is raised before the route returns, because the events' commit failed."""

    def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        DATABASE_UNAVAILABLE_RESPONSES.inc()  # the PzhPostgresUnavailable alert (deploy/monitoring/alerts.yml)
        reply = error_body(503, "database_unavailable", DATABASE_UNAVAILABLE)
        reply.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return reply

    # OperationalError covers eventsourcing's ConnectionUnavailableError (the pool timed out).
    for error_cls in (OperationalError, InterfaceError):
        app.add_exception_handler(error_cls, _unavailable)


DOC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def hide_docs(app: FastAPI) -> None:
    """The API document and its pages off (production, <PREFIX>API_DOCS=false): FastAPI added their routes when the
    app was made, so they are taken out again and answer 404 like any unknown path."""
    app.openapi_url = app.docs_url = app.redoc_url = None
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in DOC_PATHS]
