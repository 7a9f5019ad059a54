"""One OpenAPI document for the whole API (`GET /api/openapi.json`): the gateway's own routes and every
service's routes under the public `/api/...` paths the gateway forwards them from.

Built from the live services (each one's `/openapi.json`, fetched through the same upstream clients
the gateway forwards with) when asked, and cached: the document then always matches the versions
actually deployed, and the gateway needs none of the services' code. A service that does not answer
is left out of that answer (named in `info.x-unavailable-services`) and the document is not cached, so
the next request tries again.

Merging rules, applied in a fixed order (the gateway, then the services as in access.SERVICES):
- a service path is published where the gateway routes it (`/stations/{id}` -> `/api/stations/{id}`,
  talent's `/stations/{id}/head` -> `/api/talent/stations/{id}/head`); paths without a route in the
  gateway's table (e.g. `/health`) are left out;
- components with the same name and the same content are shared; a different component of an existing
  name is renamed `<service>__<name>` (its references too), until nothing clashes;
- operation ids are prefixed with their service, tags name the service;
- every error answer has the uniform body of pzh_shared.http.error_body (`4XX`, `503`), every
  operation but sign-in needs the bearer token (or an API key);
- `limit`/`page_size` query parameters get the gateway's page size cap as their maximum."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from typing import Any

import httpx

from gateway.access import ROUTES, match

REF_PREFIX = "#/components/"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}},
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "POST /api/gateway/login 取得的访问令牌，或已配置的 OIDC 身份提供方签发的令牌"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "服务 API 密钥"},
}
PUBLIC_OPERATIONS = {("post", "/api/gateway/login"), ("get", "/health")}
PAGE_PARAMS = ("limit", "page_size")


def public_path(service: str, path: str) -> str:
    """Where the gateway publishes a service's path (the inverse of access.service_path)."""
    head = path.lstrip("/").split("/")[0]
    return f"/api{path}" if ROUTES.get(head) == service else f"/api/{service}{path}"


def _routed(method: str, path: str, operation: dict[str, Any]) -> bool:
    """Whether the gateway's route table forwards this operation (path parameters filled with sample values)."""
    concrete = path.removeprefix("/api")
    for name in re.findall(r"\{(\w+)\}", path):
        sample = "x"
        for param in operation.get("parameters", []):
            if param.get("in") == "path" and param.get("name") == name and (param.get("schema") or {}).get("enum"):
                sample = str(param["schema"]["enum"][0])
        concrete = concrete.replace(f"{{{name}}}", sample)
    route, _ = match(method.upper(), concrete)
    return route is not None


def _rewrite_refs(node: Any, renames: dict[tuple[str, str], str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                section, _, name = value[len(REF_PREFIX):].partition("/")
                value = f"{REF_PREFIX}{section}/{renames.get((section, name), name)}"
            out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _canonical(node: Any) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False)


def _merge_components(merged: dict[str, dict[str, Any]], service: str,
                      components: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Adds a document's components to `merged`; returns the renames its references need.

    Renaming one component can change another that refers to it, so the comparison runs until no new
    clash appears (it ends: every round renames at least one more component, or stops)."""
    renames: dict[tuple[str, str], str] = {}
    while True:
        clashes = {}
        for section, items in components.items():
            for name, value in items.items():
                if (section, name) in renames:
                    continue
                existing = merged.get(section, {}).get(name)
                if existing is not None and _canonical(existing) != _canonical(_rewrite_refs(value, renames)):
                    clashes[(section, name)] = f"{service}__{name}"
        if not clashes:
            break
        renames.update(clashes)
    for section, items in components.items():
        target = merged.setdefault(section, {})
        for name, value in items.items():
            new_name = renames.get((section, name), name)
            while new_name in target and _canonical(target[new_name]) != _canonical(_rewrite_refs(value, renames)):
                new_name += "_"  # a service's own component already has the prefixed name: keep it deterministic
                renames[(section, name)] = new_name
            target.setdefault(new_name, _rewrite_refs(value, renames))
    return renames


def _error_response() -> dict[str, Any]:
    return {"description": "错误（统一的错误内容：error.code、error.message）",
            "content": {"application/json": {"schema": {"$ref": f"{REF_PREFIX}schemas/ErrorBody"}}}}


def _normalise_operation(operation: dict[str, Any], source: str, method: str, path: str,
                         max_page_size: int) -> dict[str, Any]:
    operation = copy.deepcopy(operation)
    if operation.get("operationId"):
        operation["operationId"] = f"{source}_{operation['operationId']}"
    operation["tags"] = [source]
    responses = operation.setdefault("responses", {})
    for code in list(responses):
        if code[:1] in ("4", "5"):
            del responses[code]  # the services and the gateway answer every error with the uniform body
    responses["4XX"] = _error_response()
    if source != "gateway":
        responses["503"] = {**_error_response(), "description": "服务暂时不可用"}
    if not any(code.startswith("2") for code in responses):
        responses["200"] = {"description": "成功"}
    if (method, path) in PUBLIC_OPERATIONS:
        operation["security"] = []
    for param in operation.get("parameters", []):
        if param.get("in") == "query" and param.get("name") in PAGE_PARAMS and isinstance(param.get("schema"), dict):
            _cap(param["schema"], max_page_size)
    return operation


def _cap(schema: dict[str, Any], maximum: int) -> None:
    for option in schema.get("anyOf", []) or []:
        if isinstance(option, dict) and option.get("type") == "integer":
            _cap(option, maximum)
    if schema.get("type") == "integer":
        schema["maximum"] = min(schema.get("maximum", maximum), maximum)


def merge(gateway_doc: dict[str, Any], service_docs: dict[str, dict[str, Any]], max_page_size: int,
          version: str) -> dict[str, Any]:
    """The whole API's document from the gateway's own and the services' (name -> document, in SERVICES order)."""
    merged_components: dict[str, dict[str, Any]] = {"schemas": {"ErrorBody": ERROR_BODY}}
    paths: dict[str, dict[str, Any]] = {}
    sources = [("gateway", gateway_doc)] + list(service_docs.items())
    for source, doc in sources:
        renames = _merge_components(merged_components, source, doc.get("components", {}))
        for path, item in doc.get("paths", {}).items():
            if source == "gateway":
                # its own API only: not the catch-all forwarder, the health probe or the console's pages
                if not path.startswith("/api/gateway/") and path != "/health":
                    continue
                published = path
            else:
                published = public_path(source, path)
            for method, operation in item.items():
                if method not in METHODS:
                    continue
                if source != "gateway" and not _routed(method, published, operation):
                    continue
                normalised = _normalise_operation(
                    _rewrite_refs(operation, renames), source, method, published, max_page_size
                )
                paths.setdefault(published, {})[method] = normalised
    merged_components["securitySchemes"] = SECURITY_SCHEMES
    return {
        "openapi": "3.1.0",
        "info": {
            # the deployment's system name, as the gateway app's own title carries it ("<name> · 网关")
            "title": f"{gateway_doc.get('info', {}).get('title', '').split(' · ')[0]} API",
            "version": version,
            "description": "经网关访问的全部接口：网关自身的登录、账户、API 密钥与审计接口，"
            "以及各服务在 /api/... 下的接口。"
            "所有数据按账户的区划代码限定范围：范围外的对象答 404，角色无权的功能答 403。",
        },
        "paths": paths,
        "components": merged_components,
        "security": [{"bearerAuth": []}, {"apiKey": []}],
        "tags": [{"name": source} for source, _ in sources],
    }


CACHE_SECONDS = 300.0


class WholeApiDocument:
    """The merged document, fetched from the services when asked and cached for CACHE_SECONDS once complete."""

    def __init__(self, gateway_app: Any, upstreams: dict[str, Any], max_page_size: int):
        self.gateway_app, self.upstreams, self.max_page_size = gateway_app, upstreams, max_page_size
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def _fetch(self, name: str) -> dict[str, Any] | None:
        try:
            reply = await self.upstreams[name].client.get("/openapi.json")
            doc = reply.json() if reply.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
        return doc if isinstance(doc, dict) and isinstance(doc.get("paths"), dict) else None

    async def document(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._cached and now - self._cached[0] < CACHE_SECONDS:
            return self._cached[1]
        names = list(self.upstreams)
        fetched = await asyncio.gather(*(self._fetch(name) for name in names))
        docs = {name: doc for name, doc in zip(names, fetched, strict=True) if doc is not None}
        merged = merge(self.gateway_app.openapi(), docs, self.max_page_size, self.gateway_app.version)
        missing = [name for name in names if name not in docs]
        if missing:
            merged["info"]["x-unavailable-services"] = missing
        else:
            self._cached = (now, merged)
        return merged
