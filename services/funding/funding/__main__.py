"""Composition root: `python -m funding api` serves commands, `python -m funding relay` publishes
`funding.events`, `python -m funding casework` consumes casework's project evaluations."""

from __future__ import annotations

from pzh_shared.consumer import TrackedConsumer
from pzh_shared.eventstore import make_application
from pzh_shared.service import ServiceProcess

from funding.adapters.integration import PUBLICATION
from funding.api.app import create_app
from funding.application.service import FundingApplication
from funding.consumers.casework import casework_consumer
from funding.settings import FundingSettings


def build_application(settings: FundingSettings) -> FundingApplication:
    return make_application(FundingApplication, settings)


def casework(application: FundingApplication, settings: FundingSettings) -> TrackedConsumer:
    return casework_consumer(application, settings.kafka_bootstrap, settings.casework_topic)


PROCESS = ServiceProcess("funding", FundingSettings, build_application, create_app, PUBLICATION,
                         consumers={"casework": casework})
main = PROCESS.main

if __name__ == "__main__":
    main()
