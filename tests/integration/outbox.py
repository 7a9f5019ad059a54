"""The per-service Kafka tests' relay step: everything a service has stored, published at once."""

from __future__ import annotations

from pzh_shared.relay import OutboxRelay


async def relay_everything(relay: OutboxRelay) -> OutboxRelay:
    """Publishes every event stored so far, page by page, and checks the checkpoint reached the log's end."""
    await relay.start()
    try:
        while await relay.relay_page():
            pass
    finally:
        await relay.stop()
    assert relay.checkpoint() == relay.app.recorder.max_notification_id()
    return relay
