"""Request limits at the gateway: body size (413), requests per account (429), page size (422)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from gateway.api.limits import RateLimiter
from gateway.testing import ADMIN_PASSWORD, COUNTIES, add_account, login, make_app


def test_a_body_over_the_limit_is_413_before_anything_else(tmp_path):
    app, world, _ = make_app(tmp_path, max_request_bytes=2048)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        county = add_account(client, admin, "county-a", "county_admin", COUNTIES["A"])
        big = "code,name,valid_from\n" + "x" * 4096
        reply = client.post("/api/areas/import", content=big.encode(), headers={**county, "content-type": "text/csv"})
        assert reply.status_code == 413 and reply.json()["error"]["code"] == "request_too_large"
        anonymous = client.post("/api/areas/import", content=big.encode(), headers={"content-type": "text/csv"})
        assert anonymous.status_code == 413


def test_requests_beyond_the_rate_are_429_with_retry_after(tmp_path):
    app, world, _ = make_app(tmp_path, rate_limit_per_minute=3)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        replies = [client.get("/api/read-models/stations/510400", headers=admin) for _ in range(4)]
        assert [r.status_code == 429 for r in replies] == [False, False, False, True]
        assert int(replies[-1].headers["Retry-After"]) >= 1
        assert "请求过于频繁" in replies[-1].json()["error"]["message"]


def test_a_page_size_over_the_cap_is_422(tmp_path):
    app, world, _ = make_app(tmp_path, max_page_size=100)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        reply = client.get("/api/read-models/stations/510400", params={"limit": 101}, headers=admin)
        assert reply.status_code == 422 and reply.json()["error"]["code"] == "page_too_large"


def test_the_bucket_refills_with_time():
    limiter = RateLimiter(60)  # one a second
    assert all(limiter.take("a") == 0 for _ in range(60))
    assert limiter.take("a") >= 1
    assert limiter.take("b") == 0  # per account
    tokens, last = limiter.buckets["a"]
    limiter.buckets["a"] = (tokens, last - 2.0)  # two seconds later
    assert limiter.take("a") == 0
