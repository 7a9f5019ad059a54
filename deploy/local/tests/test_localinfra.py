"""Real servers, no mocks: these tests start a Kafka broker (JVM) and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid

import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from localinfra import KafkaBroker, PostgresServer


async def _produce(bootstrap: str, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


async def _consume_all(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list[bytes]:
    # group_id=None: no committed offsets, always reads the topic from the start.
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    values: list[bytes] = []
    try:
        async with asyncio.timeout(timeout):
            while len(values) < expected:
                batches = await consumer.getmany(timeout_ms=1000)
                values += [m.value for msgs in batches.values() for m in msgs]
    finally:
        await consumer.stop()
    return values


@pytest.fixture
def broker():
    b = KafkaBroker()
    b.start()
    yield b
    b.stop()


@pytest.mark.kafka
def test_kafka_produce_consume_round_trip(broker: KafkaBroker) -> None:
    topic = f"t-{uuid.uuid4().hex[:8]}"
    assert broker.bootstrap == f"127.0.0.1:{broker.port}"
    asyncio.run(_produce(broker.bootstrap, topic, b"hello"))
    assert asyncio.run(_consume_all(broker.bootstrap, topic, 1)) == [b"hello"]


@pytest.mark.kafka
def test_kafka_kill_then_restart_keeps_data(broker: KafkaBroker) -> None:
    topic = f"t-{uuid.uuid4().hex[:8]}"
    port, data_dir = broker.port, broker.data_dir
    asyncio.run(_produce(broker.bootstrap, topic, b"before-crash"))
    broker.kill()
    assert not broker.is_running()
    assert broker.restart() == f"127.0.0.1:{port}"
    assert broker.data_dir == data_dir
    asyncio.run(_produce(broker.bootstrap, topic, b"after-crash"))
    assert sorted(asyncio.run(_consume_all(broker.bootstrap, topic, 2))) == [
        b"after-crash",
        b"before-crash",
    ]


@pytest.mark.kafka
def test_kafka_stop_removes_temp_dir() -> None:
    with KafkaBroker() as b:
        data_dir = b.data_dir
        assert (data_dir / "logs" / "meta.properties").is_file()
    assert not data_dir.exists()
    assert not b.is_running()


@pytest.mark.postgres
def test_postgres_select_1() -> None:
    with PostgresServer() as pg:
        assert pg.dsn == f"postgresql://{pg.user}:{pg.password}@{pg.host}:{pg.port}/{pg.dbname}"
        with psycopg.connect(pg.dsn) as conn:
            assert conn.execute("select 1, current_database()").fetchone() == (1, "pzh")
        # TCP requires the password.
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(pg.dsn.replace(pg.password, "wrong"), connect_timeout=5)
        base = pg.data_dir.parent
    assert not base.exists()


@pytest.mark.postgres
def test_postgres_kill_then_restart() -> None:
    with PostgresServer() as pg:
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            conn.execute("create table t (v int)")
            conn.execute("insert into t values (42)")
        pg.kill()
        pg.restart()
        with psycopg.connect(pg.dsn) as conn:
            assert conn.execute("select v from t").fetchone() == (42,)


@pytest.mark.postgres
def test_cli_postgres_runs_until_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "localinfra", "postgres"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("postgres ready at postgresql://"), line
        dsn = line.removeprefix("postgres ready at ")
        with psycopg.connect(dsn) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
