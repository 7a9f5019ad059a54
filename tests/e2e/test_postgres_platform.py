"""The same journey with every event store on a real PostgreSQL server, as in production: the
registry's and talent's applications, relays and consumers on PostgreSQL tables."""

from __future__ import annotations

from contextlib import closing

from .conftest import GATEWAY_ENV, account, wait_for


def test_station_journey_with_postgres_event_stores(kafka_bootstrap, postgres_server, tmp_path):
    from localinfra.platform import Platform

    store = {
        "EVENT_STORE": "postgres",
        "POSTGRES_HOST": postgres_server.host,
        "POSTGRES_PORT": str(postgres_server.port),
        "POSTGRES_DBNAME": postgres_server.dbname,
        "POSTGRES_USER": postgres_server.user,
        "POSTGRES_PASSWORD": postgres_server.password or "",
    }
    env = {f"{prefix}{key}": value for prefix in ("REGISTRY_", "TALENT_") for key, value in store.items()}
    env["REPORTING_APP_ID"] = "reporting-postgres-test"  # its own consumer group beside the session's platform
    env.update(GATEWAY_ENV)
    platform = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, extra_env=env)
    try:
        # The staffing consumers stay off: their groups would share partitions with the session's platform.
        for name in ("registry-api", "registry-relay", "talent-api", "reporting-worker", "reporting-api", "gateway"):
            platform.start(name)
        with closing(account(platform.gateway_url, "e2e-city-admin")) as gateway:
            # A township of this test's own; the shared read model may already count other tests' stations.
            code = "510422777"
            assert (
                gateway.post(
                    "/api/areas", json={"code": code, "name": "库测镇", "valid_from": "2020-01-01"}
                ).status_code
                == 201
            )
            reply = gateway.post(
                "/api/stations", json={"name": "库测站", "tier": "township_station", "area_code": code}
            )
            assert reply.status_code == 201, reply.text
            station_id = reply.json()["station_id"]
            assert gateway.get(f"/api/stations/{station_id}").json()["status"] == "opened"
            wait_for(lambda: gateway.get(f"/api/read-models/stations/{code}").json()["total"] == 1, timeout=30)
    finally:
        platform.stop_all()
    tables = postgres_tables(postgres_server)
    assert {"registry_events", "registry_tracking"} <= tables, tables


def postgres_tables(server) -> set[str]:
    import psycopg

    with psycopg.connect(server.dsn) as conn:
        return {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
