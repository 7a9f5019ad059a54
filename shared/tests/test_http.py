"""The services' shared error answers: the framework's own English errors come out in Chinese, and a
body too deep for Python's json is a 422, never a 5xx."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pzh_shared.http import install_error_handlers


class Body(BaseModel):
    count: int


def _client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app, {})

    @app.post("/things")
    def create(body: Body) -> dict:
        return {"count": body.count}

    return TestClient(app)


def test_json_nested_too_deep_for_the_parser_is_a_chinese_422():
    reply = _client().post(
        "/things", content=b"[" * 10_000 + b"]" * 10_000, headers={"content-type": "application/json"}
    )
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "invalid_request"
    assert "嵌套过深" in reply.json()["error"]["message"]


def test_unknown_route_and_method_answer_in_chinese():
    client = _client()
    assert (client.get("/nowhere").status_code, client.get("/nowhere").json()["error"]) == (
        404,
        {"code": "not_found", "message": "未找到"},
    )
    reply = client.get("/things")
    assert reply.status_code == 405 and reply.json()["error"]["message"] == "不支持此请求方法"


def test_a_valid_body_still_passes():
    assert _client().post("/things", json={"count": 3}).json() == {"count": 3}
