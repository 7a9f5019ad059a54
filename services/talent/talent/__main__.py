"""Composition root: `python -m talent api` serves commands, `python -m talent relay` publishes,
`python -m talent stations` consumes the registry's station facts."""

from __future__ import annotations

from fastapi import FastAPI
from pzh_shared.consumer import TrackedConsumer
from pzh_shared.service import ServiceProcess

from talent.adapters.integration import PUBLICATION
from talent.adapters.wiring import build_application
from talent.api.app import create_app
from talent.application.service import TalentApplication
from talent.consumers.stations import stations_consumer
from talent.settings import TalentSettings


def _create_app(application: TalentApplication) -> FastAPI:
    # The import limit is the API's own setting; ServiceProcess hands create_app the application only.
    return create_app(application, TalentSettings().max_import_bytes)


def _stations(application: TalentApplication, settings: TalentSettings) -> TrackedConsumer:
    return stations_consumer(application, settings.kafka_bootstrap, settings.registry_topic)


PROCESS = ServiceProcess("talent", TalentSettings, build_application, _create_app, PUBLICATION,
                         consumers={"stations": _stations})
main = PROCESS.main

if __name__ == "__main__":
    main()
