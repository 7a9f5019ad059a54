"""Fixtures of the talent service's unit tests: made-up people with well-formed identifiers."""

from __future__ import annotations

import itertools

import pytest
from talent.domain.identifiers import id_check_digit

_serial = itertools.count(100)


def id_number(birth: str = "19850101", area: str = "510402") -> str:
    first17 = f"{area}{birth}{next(_serial) % 1000:03d}"
    return first17 + id_check_digit(first17)


@pytest.fixture
def new_id_number():
    return id_number


@pytest.fixture
def talent_app(tmp_path):
    from pzh_shared.eventstore import make_application
    from talent.application.service import TalentApplication
    from talent.settings import TalentSettings

    application = make_application(TalentApplication, TalentSettings(data_dir=tmp_path))
    yield application
    application.close()
