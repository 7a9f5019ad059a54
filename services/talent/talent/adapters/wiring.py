"""Builds the talent application with what its settings choose and the publication it folds."""

from __future__ import annotations

from pzh_shared.eventstore import store_env

from talent.adapters.integration import PUBLICATION
from talent.application.service import TalentApplication
from talent.settings import TalentSettings


def build_application(settings: TalentSettings) -> TalentApplication:
    return TalentApplication(env=store_env(settings, TalentApplication.name), publication=PUBLICATION)
