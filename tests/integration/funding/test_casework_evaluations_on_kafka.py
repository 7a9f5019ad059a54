"""`python -m funding casework` on the real broker: a project's performance evaluation published by
casework (`casework.project.evaluated.v1`) reaches its contract through the TrackedConsumer, so a
disbursement conditioned on it can be paid; a message funding cannot apply is dead-lettered, and a
republished evaluation read by a fresh consumer group changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import pytest
from funding.application.service import FundingApplication
from funding.consumers.casework import casework_consumer
from funding.domain.errors import FundingError
from funding.settings import FundingSettings
from localinfra.topics import drive_consumer, publish
from pzh_shared.envelope import Envelope
from pzh_shared.eventstore import make_application

from ..envelopes import fresh_envelope


def _evaluated(contract_id: str, project_id: str, score: float) -> Envelope:
    return fresh_envelope(
        "/pzh/casework",
        "casework.project.evaluated.v1",
        subject=project_id,
        data={
            "project_id": project_id,
            "station_id": str(uuid.uuid4()),
            "contract_id": contract_id,
            "score": score,
            "evaluated_on": "2021-06-30",
        },
    )


def _consumer(app: FundingApplication, bootstrap: str, topic: str):
    return casework_consumer(app, bootstrap, topic=topic, group_id=f"funding-casework-{uuid.uuid4().hex[:6]}")


def test_an_evaluation_from_casework_releases_a_conditioned_payment(kafka_bootstrap, tmp_path):
    app = make_application(FundingApplication, FundingSettings(data_dir=tmp_path))
    app.budget_source("510422", 2021, "fiscal_county", Decimal("200000.00"), date(2021, 1, 4))
    cid = app.sign_contract(
        "disabled_persons_federation",
        "盐边县助残社会工作服务中心",
        [str(uuid.uuid4())],
        "510422",
        ["残疾人康复支持"],
        Decimal("100000.00"),
        date(2021, 3, 1),
        date(2021, 12, 31),
        [("fiscal_county", "100000.00")],
        date(2021, 2, 1),
    )
    app.file_contract(cid, date(2021, 2, 5))
    project = str(uuid.uuid4())
    with pytest.raises(FundingError):
        app.disburse(cid, Decimal("50000.00"), date(2021, 7, 1), "中期评估后", condition=(project, 75.0))

    topic = f"casework{uuid.uuid4().hex[:6]}.events"
    bad = _evaluated(str(uuid.uuid4()), project, 90)  # an unknown contract
    asyncio.run(publish(kafka_bootstrap, topic, [_evaluated(str(cid), project, 88.5), bad]))
    first = asyncio.run(drive_consumer(_consumer(app, kafka_bootstrap, topic), 2))
    assert (first.applied, first.dead_lettered) == (1, 1)
    assert app.contract(cid).evaluations[0]["score"] == 88.5

    paid = app.disburse(cid, Decimal("50000.00"), date(2021, 7, 1), "中期评估后", condition=(project, 75.0))
    assert paid["evaluation"] == {
        "project_id": project,
        "min_score": 75.0,
        "score": 88.5,
        "evaluated_on": date(2021, 6, 30),
    }

    # casework's relay republishes the evaluation (at least once): a fresh group resumes past the
    # tracked messages, applies the republished one, and the contract already has it.
    version = app.contract(cid).version
    republished = _evaluated(str(cid), project, 88.5)
    republished = republished.model_copy(
        update={"data": {**republished.data, "station_id": app.contract(cid).evaluations[0]["station_id"]}}
    )
    asyncio.run(publish(kafka_bootstrap, topic, [republished]))
    again = asyncio.run(drive_consumer(_consumer(app, kafka_bootstrap, topic), 1))
    assert (again.applied, again.dead_lettered) == (1, 0), "only the new message: the first two were tracked"
    assert app.contract(cid).version == version and len(app.contract(cid).evaluations) == 1
