"""Composition root: `python -m registry api` serves commands, `relay` publishes its events,
`staffing` consumes the talent service's staffing events."""

from __future__ import annotations

from pzh_shared.consumer import TrackedConsumer
from pzh_shared.eventstore import make_application
from pzh_shared.service import ServiceProcess

from registry.adapters.integration import PUBLICATION
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.consumers.staffing import staffing_consumer
from registry.settings import RegistrySettings


def build_application(settings: RegistrySettings) -> RegistryApplication:
    return make_application(RegistryApplication, settings)


def staffing(application: RegistryApplication, settings: RegistrySettings) -> TrackedConsumer:
    return staffing_consumer(application, settings.kafka_bootstrap)


PROCESS = ServiceProcess("registry", RegistrySettings, build_application, create_app, PUBLICATION,
                         consumers={"staffing": staffing})
main = PROCESS.main

if __name__ == "__main__":
    main()
