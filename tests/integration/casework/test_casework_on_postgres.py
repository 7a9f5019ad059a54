"""The casework service with event_store=postgres on a real PostgreSQL: the key store and the read
audit are tables there; erasure makes identity unreadable, the audit table refuses UPDATE, DELETE and
TRUNCATE, and its hash chain stays intact."""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
from casework.adapters.wiring import build_application
from casework.application.service import ERASED, CaseworkApplication
from casework.settings import CaseworkSettings
from casework.testing import AREA, STATION, identity


@pytest.fixture
def pg_app(postgres_server, tmp_path):
    settings = CaseworkSettings(
        event_store="postgres",
        data_dir=tmp_path,
        postgres_host=postgres_server.host,
        postgres_port=postgres_server.port,
        postgres_dbname=postgres_server.dbname,
        postgres_user=postgres_server.user,
        postgres_password=postgres_server.password or "",
    )
    # A fresh application name per test gives it its own event tables on the shared server.
    fresh = type("FreshCasework", (CaseworkApplication,), {"name": f"casework_{uuid.uuid4().hex[:8]}"})
    application = build_application(settings, fresh)
    yield application, postgres_server
    application.close()


def test_erasure_and_audit_on_postgres(pg_app):
    app, server = pg_app
    canary = "司马金丝雀"
    client_id = app.register_client(STATION, identity(name=canary, id_number="510402195001011238"), date(2021, 3, 1))
    case_id = app.open_case(client_id, STATION, AREA, "elderly_care", None, "low", date(2021, 3, 2))
    for _ in range(3):
        assert app.read_case(case_id, "zhang", "督导")["client"]["name"] == canary
    assert [r.action for r in app.audit.records(str(case_id))] == ["read"] * 3

    app.erase_client(client_id, date(2021, 4, 1), "wang", "本人请求删除")
    assert app.keys.get(client_id) is None
    assert app.read_case(case_id, "zhang", "督导")["client"]["name"] == ERASED

    with psycopg.connect(server.dsn, autocommit=True) as db:
        table = f"{app.name}_events"
        dump = b"".join(bytes(r[0]) for r in db.execute(f"SELECT state FROM {table}").fetchall())
        assert dump and canary.encode() not in dump
        for statement in (
            "UPDATE casework_case_reads SET purpose = 'x'",
            "DELETE FROM casework_case_reads",
            "TRUNCATE casework_case_reads",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(statement)
    assert app.audit.verify() == []
