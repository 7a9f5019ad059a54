"""The docs state what the code does: these checks read the facts from the code and look for them
in docs/, so a new event, field, header, setting or process that is not documented fails here."""

from __future__ import annotations

import importlib
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .conftest import platform_processes

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def published_contracts() -> list[tuple[str, str]]:
    """(module, event type) for every contract in services/*/*/adapters/integration.py; a module
    that does not import yields (module, "<import error>") so the failure names it."""
    found = []
    for path in sorted(ROOT.glob("services/*/*/adapters/integration.py")):
        module = f"{path.parent.parent.name}.adapters.integration"
        try:
            contracts = getattr(importlib.import_module(module), "CONTRACTS", {})
        except Exception as exc:  # noqa: BLE001 - reported by the test, not at collection
            found.append((module, f"<import error: {exc!r}>"))
            continue
        found += [(module, event_type) for event_type in sorted(contracts)]
    return found


def code_span(text: str) -> set[str]:
    """Everything written as `code` in a Markdown text."""
    return set(re.findall(r"`([^`\n]+)`", text))


@pytest.mark.parametrize(("module", "event_type"), published_contracts())
def test_every_published_event_and_field_is_catalogued(module, event_type):
    model = importlib.import_module(module).CONTRACTS[event_type]
    events = doc("event-catalogue.md")
    heading = f"## `{event_type}`"
    assert heading in events, f"{event_type} ({module}) has no section in docs/event-catalogue.md: run `make schemas`"
    section = events.split(heading, 1)[1].split("\n## ", 1)[0]
    documented = {m for m in re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)}
    assert documented == set(model.model_fields), (
        f"docs/event-catalogue.md fields of {event_type} differ from the contract: run `make schemas`"
    )
    assert f"services/{module.split('.')[0]}/schemas/{event_type}.json" in code_span(events)


def test_envelope_attributes_and_kafka_headers_are_catalogued():
    from pzh_shared import envelope as env

    events = doc("events.md")
    spans = code_span(events)
    for attribute in env.Envelope.model_fields:
        assert attribute in spans, f"envelope attribute {attribute} missing from docs/events.md"
    sample = env.Envelope(id="x", source="/pzh/registry", type="registry.station.opened.v1", subject=str(uuid.uuid4()),
                          time=datetime.now(UTC), data={})
    _, _, headers = env.encode(sample, traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01")
    for name, _ in headers:
        assert f"header `{name}`" in events, f"Kafka header {name} missing from docs/events.md"
    assert str(env._EVENT_ID_NAMESPACE) in events
    assert env.EVENT_TYPE_PATTERN.pattern in events


def test_dead_letter_topic_and_headers_are_catalogued():
    from pzh_shared.envelope import dlq_topic
    from pzh_shared.kafka import DLQ_VALUE_LIMIT, dead_letter_headers

    events = doc("events.md")
    spans = code_span(events)
    assert dlq_topic("registry.events") in spans
    for name, _ in dead_letter_headers("e", "t", 0, 0, [("ce_id", b"x")]):
        generic = name.replace("dlq_original_ce_id", "dlq_original_<name>")
        assert generic in spans, f"dead-letter header {generic} missing from docs/events.md"
    assert f"{DLQ_VALUE_LIMIT // 1024} KiB" in events


def test_every_process_is_described():
    architecture, operations = doc("architecture.md"), doc("operations.md")
    for name, (_, args, _) in platform_processes().items():
        command = "python -m " + " ".join(args)
        assert f"`{command}`" in architecture, f"{command} missing from docs/architecture.md"
        assert name in operations, f"{name} missing from docs/operations.md"


def test_every_setting_is_documented():
    from pzh_shared.settings import ServiceSettings

    operations = doc("operations.md")
    for module in sorted({args[0] for _, args, _ in platform_processes().values()}):
        settings = importlib.import_module(f"{module}.settings")
        for cls in vars(settings).values():
            if isinstance(cls, type) and issubclass(cls, ServiceSettings) and cls is not ServiceSettings:
                prefix = cls.model_config["env_prefix"]
                for field, info in cls.model_fields.items():
                    suffix = field.upper()
                    assert suffix in operations or f"{prefix}{suffix}" in operations, \
                        f"setting {prefix}{suffix} is not documented in docs/operations.md"
                    if field == "http_port":
                        assert str(info.default) in operations


def test_operations_names_the_log_location_and_trace_destinations():
    operations = doc("operations.md")
    assert "var/data/logs/" in operations
    assert "/v1/traces" in operations and "16686" in operations
    assert "docker-compose.yml" in operations and "deploy/k8s" in operations
