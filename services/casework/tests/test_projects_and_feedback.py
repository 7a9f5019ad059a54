"""Projects under purchase-of-service contracts, complaints and surveys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from casework.domain.errors import CaseworkError, Conflict, StageConflict, UnknownContract
from casework.domain.vocabulary import PROJECT_STAGES
from casework.testing import OTHER_STATION, STATION
from eventsourcing.persistence import Tracking

D = date(2021, 4, 1)
C1 = "1a2b3c4d-0000-4000-8000-000000000001"


def sign(cw, contract_id=C1, stations=(STATION,), offset=1) -> None:
    cw.record_contract_signed(
        Tracking("funding.events:0", offset),
        contract_id,
        "攀枝花市东区民政局",
        "向阳社会工作服务中心",
        list(stations),
        "510402",
        "300000.00",
        date(2021, 3, 1),
        date(2022, 2, 28),
        date(2021, 2, 20),
    )


def test_a_project_needs_a_contract_the_funding_events_announced(cw):
    with pytest.raises(UnknownContract, match="不存在"):
        cw.start_project("0f0f0f0f-0000-4000-8000-000000000404", STATION, "elderly_care", "长者关爱", D)
    sign(cw)
    with pytest.raises(CaseworkError, match="覆盖的站点"):
        cw.start_project(C1, OTHER_STATION, "elderly_care", "长者关爱", D)
    project_id = cw.start_project(C1, STATION, "elderly_care", "长者关爱", D)
    assert cw.project(project_id).contract_id == C1


def test_a_republished_contract_changes_nothing(cw):
    sign(cw, offset=1)
    last = cw.recorder.max_notification_id()
    sign(cw, offset=2)  # the same contract again, as an at-least-once relay may send it
    sign(cw, offset=2)  # the same message again: already tracked
    assert cw.recorder.max_notification_id() == last


def test_project_stages_in_order_then_beneficiaries_and_one_score(cw):
    sign(cw)
    pid = cw.start_project(C1, STATION, "child_welfare", "儿童之家", D)
    with pytest.raises(StageConflict, match="跳过"):
        cw.advance_project(pid, "review", D)
    with pytest.raises(StageConflict, match="实施"):
        cw.record_beneficiaries(pid, 10, D)
    with pytest.raises(StageConflict, match="绩效评估"):
        cw.evaluate_project(pid, 90, D)
    for i, stage in enumerate(PROJECT_STAGES[1:]):
        cw.advance_project(pid, stage, D + timedelta(days=i))
        if stage == "implementation":
            cw.record_beneficiaries(pid, 120, D + timedelta(days=i))
    with pytest.raises(StageConflict, match="回到或重复"):
        cw.advance_project(pid, "monitoring", date(2021, 12, 1))
    with pytest.raises(CaseworkError, match="0 到 100"):
        cw.evaluate_project(pid, 100.5, date(2021, 12, 1))
    cw.evaluate_project(pid, 88.5, date(2021, 12, 1))
    with pytest.raises(Conflict, match="已评分"):
        cw.evaluate_project(pid, 90, date(2021, 12, 2))
    project = cw.project(pid)
    assert (project.stage, project.beneficiaries, project.score) == ("performance_evaluation", 120, 88.5)


@pytest.mark.parametrize("illegal", [(0, 2), (0, 5), (1, 0), (1, 1), (2, 4), (3, 1), (4, 3), (5, 5), (5, 0)])
def test_illegal_project_transitions(cw, illegal):
    sign(cw)
    pid = cw.start_project(C1, STATION, "child_welfare", "儿童之家", D)
    current, target = illegal
    for stage in PROJECT_STAGES[1:current + 1]:
        cw.advance_project(pid, stage, D)
    with pytest.raises(StageConflict):
        cw.advance_project(pid, PROJECT_STAGES[target], D)


def test_complaints_run_received_handled_closed_with_response_times(cw):
    received = datetime(2021, 5, 1, 9, 0, tzinfo=UTC)
    cid = cw.receive_complaint(STATION, "phone", "活动通知太晚", received)
    with pytest.raises(StageConflict, match="须先处理"):
        cw.close_complaint(cid, "已改进", received + timedelta(hours=1))
    cw.handle_complaint(cid, "电话回访并致歉", received + timedelta(hours=6))
    with pytest.raises(StageConflict):
        cw.handle_complaint(cid, "again", received + timedelta(hours=7))
    cw.close_complaint(cid, "已调整通知时间", received + timedelta(hours=50, minutes=30))
    complaint = cw.complaint(cid)
    assert (complaint.status, complaint.response_hours, complaint.resolution_hours) == ("closed", 6.0, 50.5)


def test_surveys_score_between_0_and_100(cw):
    sid = cw.record_survey(STATION, "purchaser", "interview", 92, D)
    assert (cw.survey(sid).respondent, cw.survey(sid).method, cw.survey(sid).score) == ("purchaser", "interview", 92.0)
    with pytest.raises(CaseworkError):
        cw.record_survey(STATION, "client", "phone", 101, D)
