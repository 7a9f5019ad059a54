"""Composition root: `python -m casework api` serves commands and audited reads, `python -m casework
relay` publishes integration events, `python -m casework funding` consumes the funding service's
purchase-of-service contracts."""

from __future__ import annotations

from pzh_shared.consumer import TrackedConsumer
from pzh_shared.service import ServiceProcess

from casework.adapters.integration import PUBLICATION
from casework.adapters.wiring import build_application
from casework.api.app import create_app
from casework.application.service import CaseworkApplication
from casework.consumers.funding import funding_consumer
from casework.settings import CaseworkSettings


def _funding(application: CaseworkApplication, settings: CaseworkSettings) -> TrackedConsumer:
    return funding_consumer(application, settings.kafka_bootstrap, settings.funding_topic)


PROCESS = ServiceProcess("casework", CaseworkSettings, build_application, create_app, PUBLICATION,
                         consumers={"funding": _funding})
main = PROCESS.main

if __name__ == "__main__":
    main()
