"""One contract for the gateway's store, run on both adapters: SQLite (the default) and PostgreSQL (replicas).

On PostgreSQL each test has a schema of its own on the session's server, and a second store opened on the same
schema stands for a second gateway replica."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from gateway.adapters.sqlite_store import SqliteGatewayStore
from gateway.adapters.store import GatewayStore
from gateway.api.limits import Limiter, RateLimiter
from gateway.settings import GatewaySettings

NOW = 1_750_000_000.0


def _audit(store: GatewayStore, actor: str, actor_area: str, target_area: str | None = None, **extra: object) -> None:
    store.audit(at=NOW, actor=actor, role="county_admin", actor_area=actor_area, action="station_create",
                method="POST", path="/api/stations", resource_id=None, target_area=target_area, status=201,
                **extra)  # type: ignore[arg-type]


class StoreContract:
    """What every adapter of GatewayStore must do; `store` and `replica` (the same data, another handle) per adapter."""

    def test_accounts_are_added_once_and_read_back(self, store: GatewayStore) -> None:
        assert store.add_account("county-a", "hash-1", "county_admin", "510421", NOW, "admin")
        assert not store.add_account("county-a", "hash-2", "city_admin", "510400", NOW, "admin")  # name taken: 409
        account = store.account("county-a")
        assert account is not None and (account.password_hash, account.role, account.area_code) == \
            ("hash-1", "county_admin", "510421")
        assert (account.disabled, account.failed_count, account.locked_until) == (False, 0, 0)
        assert store.account("nobody") is None
        store.add_account("aaa", "h", "auditor", "510400", NOW, "admin")
        assert [a.username for a in store.accounts()] == ["aaa", "county-a"]

    def test_failures_lock_the_account_and_success_clears_them(self, store: GatewayStore) -> None:
        store.add_account("u", "h", "county_admin", "510421", NOW, "admin")
        store.record_failure("u", 3, NOW + 900)
        store.record_failure("u", 3, NOW + 900)
        account = store.account("u")
        assert account is not None and (account.failed_count, account.locked_until) == (2, 0)
        store.record_failure("u", 3, NOW + 900)
        account = store.account("u")
        assert account is not None and (account.failed_count, account.locked_until) == (0, NOW + 900)
        store.record_success("u")
        account = store.account("u")
        assert account is not None and (account.failed_count, account.locked_until) == (0, 0)
        store.record_failure("nobody", 3, NOW)  # an unknown name changes nothing

    def test_password_and_disabled_flag(self, store: GatewayStore) -> None:
        store.add_account("u", "h", "county_admin", "510421", NOW, "admin")
        store.set_password("u", "h2")
        store.set_disabled("u", True)
        account = store.account("u")
        assert account is not None and account.password_hash == "h2" and account.disabled
        store.set_disabled("u", False)
        account = store.account("u")
        assert account is not None and not account.disabled

    def test_sessions_open_touch_and_end(self, store: GatewayStore) -> None:
        store.open_session("s1", "u", NOW)
        store.open_session("s2", "u", NOW)
        store.open_session("s3", "v", NOW)
        store.touch_session("s1", NOW + 60)
        store.touch_session("s1", NOW + 30)  # an older touch (a slower replica) never moves it back
        s1 = store.session("s1")
        assert s1 is not None and (s1["username"], s1["last_seen"], s1["ended_at"]) == ("u", NOW + 60, None)
        store.end_session("s1", NOW + 70)
        store.touch_session("s1", NOW + 80)  # an ended session stays ended
        s1 = store.session("s1")
        assert s1 is not None and (s1["ended_at"], s1["last_seen"]) == (NOW + 70, NOW + 60)
        store.end_sessions_of("u", NOW + 90)
        ended = [store.session(sid) for sid in ("s1", "s2", "s3")]
        assert [s["ended_at"] if s else "missing" for s in ended] == [NOW + 70, NOW + 90, None]
        assert store.session("unknown") is None

    def test_api_keys_are_listed_and_revoked_once(self, store: GatewayStore) -> None:
        store.add_api_key("k1", "sync", "hash", "county_admin", "510421", NOW, "admin")
        store.add_api_key("k2", "export", "hash2", "auditor", "510400", NOW + 1, "admin")
        key = store.api_key("k1")
        assert key is not None and (key.name, key.key_hash, key.role, key.area_code, key.revoked_at) == \
            ("sync", "hash", "county_admin", "510421", None)
        assert [k["key_id"] for k in store.api_keys()] == ["k1", "k2"]
        assert set(store.api_keys()[0]) == {"key_id", "name", "role", "area_code", "created_at", "created_by",
                                            "revoked_at"}  # never the hash
        assert store.revoke_api_key("k1", NOW + 5)
        assert not store.revoke_api_key("k1", NOW + 6)
        assert not store.revoke_api_key("unknown", NOW)
        key = store.api_key("k1")
        assert key is not None and key.revoked_at == NOW + 5
        assert store.api_key("unknown") is None

    def test_the_ownership_index_keeps_the_latest_area(self, store: GatewayStore) -> None:
        store.set_owner("case", "c1", "510421100")
        store.set_owner("case", "c1", "510422100")  # moved
        store.set_owner("client", "c1", "510421100")  # another kind, same id
        assert store.owner("case", "c1") == "510422100"
        assert store.owner("client", "c1") == "510421100"
        assert store.owner("case", "unknown") is None

    def test_audit_records_are_scoped_paged_and_in_order(self, store: GatewayStore) -> None:
        _audit(store, "county-a", "510421", "510421100", purpose="核查", detail={"字段": "值"})
        _audit(store, "county-b", "510422")
        _audit(store, "city", "510400", "510422100")
        _audit(store, "anonymous", "")
        under_a = store.audit_records("510421")
        assert [r["actor"] for r in under_a] == ["county-a"]
        assert (under_a[0]["purpose"], under_a[0]["detail"], under_a[0]["status"]) == ("核查", '{"字段": "值"}', 201)
        assert [r["actor"] for r in store.audit_records("510422")] == ["county-b", "city"]
        assert [r["actor"] for r in store.audit_records("5104", unscoped=True)] == \
            ["county-a", "county-b", "city", "anonymous"]
        everything = store.audit_records("5104", unscoped=True)
        seqs = [r["seq"] for r in everything]
        assert seqs == sorted(seqs)
        assert [r["actor"] for r in store.audit_records("5104", after=seqs[1], limit=1)] == ["city"]
        assert [r["actor"] for r in store.audit_records("5104", actor="county-b")] == ["county-b"]

    def test_audit_records_filter_by_action_and_time(self, store: GatewayStore) -> None:
        for n, action in enumerate(("login", "case_read", "case_read")):
            store.audit(at=NOW + n * 60, actor="u", role="auditor", actor_area="510421", action=action, method="GET",
                        path="/api/cases/x", resource_id=None, target_area=None, status=200)
        assert [r["at"] for r in store.audit_records("5104", action="case_read")] == [NOW + 60, NOW + 120]
        assert [r["at"] for r in store.audit_records("5104", since=NOW + 60, until=NOW + 120)] == [NOW + 60]
        assert store.audit_records("5104", action="") == store.audit_records("5104")

    def test_second_factor_role_and_the_keys_an_account_made(self, store: GatewayStore) -> None:
        store.add_account("u", "h", "county_admin", "510421", NOW, "admin")
        store.set_mfa_pending("u", "SECRET")
        assert not store.confirm_mfa("u", "OTHER", 5)  # only the secret that was shown
        assert store.confirm_mfa("u", "SECRET", 5)
        account = store.account("u")
        assert account is not None and (account.mfa_secret, account.mfa_pending, account.mfa_last_step) == (
            "SECRET", None, 5)
        assert not store.use_mfa_step("u", 5) and store.use_mfa_step("u", 6) and not store.use_mfa_step("u", 6)
        store.open_session("s", "u", NOW)
        store.set_session_mfa("s")
        assert store.session("s")["mfa"] == 1  # type: ignore[index]
        store.reset_mfa("u")
        assert store.account("u").mfa_secret is None  # type: ignore[union-attr]
        store.set_role("u", "township_admin", "510421100")
        assert (store.account("u").role, store.account("u").area_code) == (  # type: ignore[union-attr]
            "township_admin", "510421100")
        for key_id, maker in (("k1", "u"), ("k2", "u"), ("k3", "other")):
            store.add_api_key(key_id, key_id, "hash", "county_admin", "510421", NOW, maker)
        assert store.revoke_api_keys_of("u", NOW + 1) == 2
        assert [k["key_id"] for k in store.api_keys() if k["revoked_at"] is None] == ["k3"]

    def test_an_export_request_is_approved_once_by_another_and_used_once(self, store: GatewayStore,
                                                                        replica: GatewayStore) -> None:
        store.add_export_request("e", "u", "510421", "/api/workers", "统计", NOW)
        assert not store.use_export("e", NOW)  # not approved
        assert not store.approve_export("e", "u", NOW)  # not by its requester
        assert store.approve_export("e", "v", NOW + 1) and not replica.approve_export("e", "w", NOW + 2)
        assert store.use_export("e", NOW + 3) and not replica.use_export("e", NOW + 4)
        row = store.export_request("e")
        assert row is not None and (row["approver"], row["approved_at"], row["used_at"]) == ("v", NOW + 1, NOW + 3)
        assert [r["export_id"] for r in store.export_requests("510421")] == ["e"]
        assert store.export_requests("510422") == []

    def test_the_audit_log_refuses_updates_and_deletes(self, store: GatewayStore) -> None:
        _audit(store, "county-a", "510421")
        for statement in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit"):
            with pytest.raises(Exception, match="append-only"):
                store._run(statement)
        assert [r["actor"] for r in store.audit_records("510421")] == ["county-a"]

    def test_a_second_handle_sees_the_same_store(self, store: GatewayStore, replica: GatewayStore) -> None:
        store.add_account("u", "h", "county_admin", "510421", NOW, "admin")
        store.open_session("s", "u", NOW)
        store.add_api_key("k", "sync", "hash", "county_admin", "510421", NOW, "admin")
        assert not replica.add_account("u", "h", "county_admin", "510421", NOW, "admin")
        replica.revoke_api_key("k", NOW + 1)
        replica.end_session("s", NOW + 2)
        key, session = store.api_key("k"), store.session("s")
        assert key is not None and key.revoked_at == NOW + 1
        assert session is not None and session["ended_at"] == NOW + 2

    def test_concurrent_failures_are_all_counted(self, store: GatewayStore, replica: GatewayStore) -> None:
        store.add_account("u", "h", "county_admin", "510421", NOW, "admin")
        threads = [threading.Thread(target=handle.record_failure, args=("u", 100, NOW))
                   for handle in (store, replica) * 10]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        account = store.account("u")
        assert account is not None and account.failed_count == 20

    def test_the_rate_limit_refuses_beyond_the_bucket(self, limiter_of: Callable[[int], Limiter]) -> None:
        first, second = limiter_of(10), limiter_of(10)  # on PostgreSQL: two replicas' limiters, one bucket
        passed = [(first if n % 2 else second).take("user:a") == 0 for n in range(15)]
        assert sum(passed) == 10 and all(passed[:10])
        wait = first.take("user:a")
        assert 1 <= wait <= 6  # one token every 6 s
        assert second.take("user:b") == 0  # per account


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path) -> Iterator[GatewayStore]:  # type: ignore[no-untyped-def]
        store = SqliteGatewayStore(tmp_path / "gateway.sqlite")
        yield store
        store.close()

    @pytest.fixture
    def replica(self, tmp_path, store) -> Iterator[GatewayStore]:  # type: ignore[no-untyped-def]
        replica = SqliteGatewayStore(tmp_path / "gateway.sqlite")
        yield replica
        replica.close()

    @pytest.fixture
    def limiter_of(self) -> Callable[[int], Limiter]:
        # one process, one bucket: both "replicas" are the same limiter, as with a single SQLite gateway
        limiters: dict[int, RateLimiter] = {}
        return lambda per_minute: limiters.setdefault(per_minute, RateLimiter(per_minute))


def postgres_settings(postgres_server, schema: str, **overrides: object) -> GatewaySettings:  # type: ignore[no-untyped-def]
    return GatewaySettings(store="postgres", postgres_host=postgres_server.host, postgres_port=postgres_server.port,
                           postgres_dbname=postgres_server.dbname, postgres_user=postgres_server.user,
                           postgres_password=postgres_server.password or "", postgres_schema=schema,
                           **overrides)  # type: ignore[arg-type]


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def settings(self, postgres_server) -> GatewaySettings:  # type: ignore[no-untyped-def]
        return postgres_settings(postgres_server, f"gateway_{uuid.uuid4().hex[:10]}")

    @pytest.fixture
    def store(self, settings: GatewaySettings) -> Iterator[GatewayStore]:
        from gateway.adapters.postgres_store import PostgresGatewayStore

        store = PostgresGatewayStore(settings)
        yield store
        store.close()

    @pytest.fixture
    def replica(self, settings: GatewaySettings, store: GatewayStore) -> Iterator[GatewayStore]:
        from gateway.adapters.postgres_store import PostgresGatewayStore

        replica = PostgresGatewayStore(settings)
        yield replica
        replica.close()

    @pytest.fixture
    def limiter_of(self, store: GatewayStore, replica: GatewayStore) -> Callable[[int], Limiter]:
        from gateway.adapters.postgres_store import PostgresGatewayStore

        handles = iter([store, replica] * 10)

        def limiter(per_minute: int) -> Limiter:
            handle = next(handles)
            assert isinstance(handle, PostgresGatewayStore)
            return handle.rate_limiter(per_minute)

        return limiter

    def test_every_session_has_the_timeouts(self, store: GatewayStore) -> None:
        rows = store._all("SELECT current_setting('statement_timeout') AS st, "
                          "current_setting('idle_in_transaction_session_timeout') AS idle, current_schema() AS s")
        assert (rows[0]["st"], rows[0]["idle"]) == ("5s", "10s")
        assert rows[0]["s"].startswith("gateway_")

    def test_a_statement_over_the_timeout_is_cancelled(self, postgres_server) -> None:  # type: ignore[no-untyped-def]
        from gateway.adapters.postgres_store import PostgresGatewayStore
        from psycopg.errors import QueryCanceled

        store = PostgresGatewayStore(postgres_settings(postgres_server, f"gateway_{uuid.uuid4().hex[:10]}",
                                                       postgres_statement_timeout=0.2))
        try:
            with pytest.raises(QueryCanceled):
                store._all("SELECT pg_sleep(2)")
            assert store.account("nobody") is None  # the pool's connection is still good
        finally:
            store.close()

    def test_a_bad_schema_name_is_refused(self, postgres_server) -> None:  # type: ignore[no-untyped-def]
        from gateway.adapters.postgres_store import PostgresGatewayStore

        with pytest.raises(ValueError, match="GATEWAY_POSTGRES_SCHEMA"):
            PostgresGatewayStore(postgres_settings(postgres_server, "gateway; DROP TABLE x"))
