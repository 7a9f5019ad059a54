"""The reporting worker's per-topic lag, projection delay and counters on its metrics port, and the read API's
projection lag per topic (the worker group's lag as Kafka sees it) at GET /metrics: behind, then 0."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest
from localinfra.platform import Platform, free_port
from localinfra.topics import publish_each
from pzh_shared.kafka import ensure_topics
from reporting.consumers.worker import SOURCE_TOPICS
from reporting.scenario import build

from .conftest import samples, scrape, wait_for


async def _publish(bootstrap: str, messages) -> None:
    await ensure_topics(bootstrap, {t: 3 for t in SOURCE_TOPICS} | {f"{t}.dlq": 3 for t in SOURCE_TOPICS})
    await publish_each(bootstrap, messages)


@pytest.fixture
def reporting(kafka_bootstrap, tmp_path):
    group = f"reporting-metrics-{uuid.uuid4().hex[:8]}"
    running = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path,
                       metrics_ports={"reporting-worker": free_port()}, extra_env={"REPORTING_APP_ID": group})
    try:
        yield running, group
    finally:
        running.stop_all()


@pytest.mark.platform  # `reporting` starts the platform's processes itself
def test_worker_and_read_api_expose_lag_per_topic(kafka_bootstrap, reporting):
    platform, group = reporting
    scenario = build(seed=11)
    per_topic = Counter(topic for topic, _ in scenario.events)
    asyncio.run(_publish(kafka_bootstrap, scenario.events))

    # The read API, before any worker of this group ran: every message of every topic is still to project.
    platform.start("reporting-api")
    api_metrics = f"{platform.url('reporting-api')}/metrics"

    def api_lag() -> dict[str, float]:
        return {
            dict(key)["topic"]: value
            for key, value in samples(scrape(api_metrics), "pzh_consumer_group_lag_messages", group=group).items()
        }

    behind = wait_for(
        lambda: (lags := api_lag()) and set(lags) == set(SOURCE_TOPICS) and lags, what="the read API's lag"
    )
    for topic in SOURCE_TOPICS:
        assert behind[topic] >= per_topic[topic]

    platform.start("reporting-worker")
    worker_metrics = platform.metrics_url("reporting-worker")

    def worker_caught_up() -> dict | None:
        page = scrape(worker_metrics)
        for topic in SOURCE_TOPICS:
            processed = samples(page, "pzh_consumer_messages_processed_total", consumer=group, topic=topic)
            lags = samples(page, "pzh_consumer_lag_messages", consumer=group, topic=topic)
            if sum(processed.values()) < per_topic[topic] or not lags or any(lags.values()):
                return None
        return page

    page = wait_for(worker_caught_up, timeout=240, what="the worker's lag 0 on every topic")
    for topic in SOURCE_TOPICS:
        lags = samples(page, "pzh_consumer_lag_messages", consumer=group, topic=topic)
        assert {dict(key)["partition"] for key in lags} <= {"0", "1", "2"}
        delays = samples(page, "pzh_consumer_event_delay_seconds_count", consumer=group, topic=topic)
        assert sum(delays.values()) >= per_topic[topic]

    # Faust commits the group's offsets every few seconds: then Kafka, and so the read API, sees no lag either.
    wait_for(lambda: (lags := api_lag()) and set(lags) == set(SOURCE_TOPICS) and not any(lags.values()), timeout=120,
             what="the read API's lag 0")
