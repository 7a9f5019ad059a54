"""Projects bought by government (purchase of services) and the contracts that pay for them.

A project runs needs research -> design -> review -> implementation -> monitoring -> performance
evaluation, one stage at a time, at a station, under a purchase-of-service contract the funding
service announced (`funding.contract.signed.v1`), kept here as a KnownContract."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casework.domain.errors import CaseworkError, Conflict, StageConflict
from casework.domain.vocabulary import PROJECT_STAGE_NAMES, PROJECT_STAGES, ProjectStage, ServiceDomain

_CONTRACT_NS = uuid5(NAMESPACE_URL, "https://pzh.example/casework/known-contract")


def known_contract_id(contract_id: str) -> UUID:
    return uuid5(_CONTRACT_NS, str(contract_id))


class KnownContract(Aggregate):
    """A purchase-of-service contract as the funding service announced it."""

    class Signed(Aggregate.Created):
        contract_id: str
        purchaser: str
        provider_agency: str
        station_ids: list[str]
        area_code: str
        amount: str
        period_start: date
        period_end: date
        signed_on: date

    @staticmethod
    def create_id(contract_id: str, **_: object) -> UUID:
        return known_contract_id(contract_id)

    @event(Signed)
    def __init__(
        self,
        contract_id: str,
        purchaser: str,
        provider_agency: str,
        station_ids: list[str],
        area_code: str,
        amount: str,
        period_start: date,
        period_end: date,
        signed_on: date,
    ):
        self.contract_id = contract_id
        self.purchaser = purchaser
        self.provider_agency = provider_agency
        self.station_ids = list(station_ids)
        self.area_code = area_code
        self.amount = amount
        self.period_start = period_start
        self.period_end = period_end
        self.signed_on = signed_on


def _name(stage: ProjectStage) -> str:
    return f"{PROJECT_STAGE_NAMES[stage]}({stage.value})"


class Project(Aggregate):
    class Started(Aggregate.Created):
        station_id: str
        contract_id: str
        domain: str
        title: str
        started_on: date
        # The station's area (or the contract's, when the caller gave none); None in older projects.
        area_code: str | None = None

    class StageAdvanced(Aggregate.Event):
        station_id: str
        contract_id: str
        from_stage: str
        stage: str
        advanced_on: date

    class BeneficiariesRecorded(Aggregate.Event):
        station_id: str
        contract_id: str
        beneficiaries: int
        recorded_on: date

    class Evaluated(Aggregate.Event):
        station_id: str
        contract_id: str
        score: float
        evaluated_on: date

    @classmethod
    def start(cls, contract: KnownContract, station_id: str, domain: ServiceDomain, title: str, started_on: date,
              area_code: str | None = None) -> Project:
        if str(station_id) not in contract.station_ids:
            raise CaseworkError("该站点不在此购买服务合同覆盖的站点之内")
        if started_on > contract.period_end:
            raise CaseworkError("项目开始日期晚于合同服务期")
        return cls(
            station_id=str(station_id),
            contract_id=contract.contract_id,
            domain=ServiceDomain(domain).value,
            title=title,
            started_on=started_on,
            area_code=area_code or contract.area_code,
        )

    @event(Started)
    def __init__(self, station_id: str, contract_id: str, domain: str, title: str, started_on: date,
                 area_code: str | None = None):
        self.station_id = station_id
        self.area_code = area_code
        self.contract_id = contract_id
        self.domain = ServiceDomain(domain)
        self.title = title
        self.started_on = started_on
        self.stage = ProjectStage.NEEDS_RESEARCH
        self.stages: list[dict[str, Any]] = [{"stage": self.stage.value, "on": started_on}]
        self.beneficiaries: int | None = None
        self.score: float | None = None
        self.evaluated_on: date | None = None

    def advance(self, to_stage: ProjectStage, advanced_on: date) -> None:
        to_stage = ProjectStage(to_stage)
        current, target = PROJECT_STAGES.index(self.stage), PROJECT_STAGES.index(to_stage)
        if target <= current:
            raise StageConflict(f"不能回到或重复阶段{_name(to_stage)}：项目当前处于{_name(self.stage)}阶段")
        if target > current + 1:
            raise StageConflict(
                f"不能跳过阶段：项目当前处于{_name(self.stage)}阶段，下一阶段应为{_name(PROJECT_STAGES[current + 1])}"
            )
        if advanced_on < self.stages[-1]["on"]:
            raise CaseworkError("阶段日期不能早于上一阶段的日期")
        self._advanced(self.station_id, self.contract_id, self.stage.value, to_stage.value, advanced_on)

    @event(StageAdvanced)
    def _advanced(self, station_id: str, contract_id: str, from_stage: str, stage: str, advanced_on: date) -> None:
        self.stage = ProjectStage(stage)
        self.stages.append({"stage": stage, "on": advanced_on})

    def record_beneficiaries(self, beneficiaries: int, recorded_on: date) -> None:
        if PROJECT_STAGES.index(self.stage) < PROJECT_STAGES.index(ProjectStage.IMPLEMENTATION):
            raise StageConflict(f"项目实施(implementation)后才能记录受益人数：项目当前处于{_name(self.stage)}阶段")
        if beneficiaries < 0:
            raise CaseworkError("受益人数不能为负")
        self._beneficiaries(self.station_id, self.contract_id, int(beneficiaries), recorded_on)

    @event(BeneficiariesRecorded)
    def _beneficiaries(self, station_id: str, contract_id: str, beneficiaries: int, recorded_on: date) -> None:
        self.beneficiaries = beneficiaries

    def evaluate(self, score: float, evaluated_on: date) -> None:
        if self.stage is not ProjectStage.PERFORMANCE_EVALUATION:
            raise StageConflict(f"只能在绩效评估(performance_evaluation)阶段评分：项目当前处于{_name(self.stage)}阶段")
        if self.score is not None:
            raise Conflict("该项目已评分")
        if not 0 <= score <= 100:
            raise CaseworkError("评分应在 0 到 100 之间")
        if evaluated_on < self.stages[-1]["on"]:
            raise CaseworkError("评分日期不能早于进入绩效评估的日期")
        self._evaluated(self.station_id, self.contract_id, float(score), evaluated_on)

    @event(Evaluated)
    def _evaluated(self, station_id: str, contract_id: str, score: float, evaluated_on: date) -> None:
        self.score = score
        self.evaluated_on = evaluated_on
