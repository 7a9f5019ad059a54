"""HTTP conventions every service's API shares: one error body shape, readable messages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


def error_body(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details  # type: ignore[index]
    return JSONResponse(status_code=status, content=body)


def _describe(errors: list[dict]) -> tuple[str, list[dict]]:
    details = []
    for err in errors:
        where = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
        details.append({"field": where or "body", "problem": err.get("msg", "invalid")})
    message = "; ".join(f"{d['field']}: {d['problem']}" for d in details)
    return f"请求内容无效 (invalid request): {message}", details


def install_error_handlers(app: FastAPI, domain_errors: dict[type[Exception], tuple[int, str]]) -> None:
    """Maps validation errors to 422 and each domain error class to (status, code), in one place.
    An exception with a `details` attribute (e.g. the lines an import rejected) gets it in the body."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = _describe(list(exc.errors()))
        return error_body(422, "invalid_request", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_body(exc.status_code, "http_error", str(exc.detail))

    for error_cls, (status, code) in domain_errors.items():
        def _handler(_: Request, exc: Exception, status: int = status, code: str = code) -> JSONResponse:
            return error_body(status, code, str(exc), getattr(exc, "details", None))

        app.add_exception_handler(error_cls, _handler)
