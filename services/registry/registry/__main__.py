"""Composition root: `python -m registry api` serves commands, `relay` publishes its events,
`staffing` consumes the facts of the stations' levels that other services record (talent's staffing and
incubated agencies on `talent.events`, casework's cases and projects on `casework.events`), and
`load-areas FILE [--root CODE] [--down-to LEVEL]` registers a deployment's reference areas from its pinned file."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pzh_shared.areas import AreaLevel, AreaRoot
from pzh_shared.consumer import TrackedConsumer
from pzh_shared.eventstore import make_application
from pzh_shared.service import ServiceProcess

from registry.adapters.integration import PUBLICATION
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.consumers.casework import casework_consumer
from registry.consumers.staffing import staffing_consumer
from registry.settings import RegistrySettings


def build_application(settings: RegistrySettings) -> RegistryApplication:
    return make_application(RegistryApplication, settings)


class LevelFacts:
    """The two consumers of the `staffing` role side by side in one process: one role, so the deployments that
    run `registry staffing` (compose, k8s, localinfra) learn casework's facts with no new process. Each keeps
    its own group and tracking records (topic:partition)."""

    def __init__(self, *consumers: TrackedConsumer):
        self.consumers = consumers

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(consumer.run(stop) for consumer in self.consumers))


def staffing(application: RegistryApplication, settings: RegistrySettings) -> LevelFacts:
    return LevelFacts(staffing_consumer(application, settings.kafka_bootstrap),
                      casework_consumer(application, settings.kafka_bootstrap))


PROCESS = ServiceProcess("registry", RegistrySettings, build_application, create_app, PUBLICATION,
                         consumers={"staffing": staffing})


def load_areas(argv: list[str]) -> None:
    """Registers the root's subtree from the file (idempotent: a second run registers nothing)."""
    from registry.adapters.reference import read_areas

    settings = RegistrySettings()
    parser = argparse.ArgumentParser(prog="python -m registry load-areas")
    parser.add_argument("file", type=Path, help="e.g. deploy/data/areas-2023.csv")
    parser.add_argument("--root", default=settings.root_area_code, help="the deployment's root area code")
    parser.add_argument("--down-to", default=settings.areas_down_to.value, choices=[lv.value for lv in AreaLevel])
    args = parser.parse_args(argv)
    application = build_application(settings)
    root = AreaRoot(args.root)
    application.root = root
    registered = application.load_areas(read_areas(args.file), root, AreaLevel(args.down_to))
    print(f"registered {len(registered)} areas under {root.code} from {args.file}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["load-areas"]:
        load_areas(argv[1:])
    else:
        PROCESS.main(argv)

if __name__ == "__main__":
    main()
