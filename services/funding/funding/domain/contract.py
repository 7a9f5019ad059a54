"""Purchase-of-service contracts (政府购买服务协议): who buys what from which agency for which
stations, for how much and from which sources; their filing with the level above, spot-checks of
their implementation, the performance evaluations casework reports, and the instalments paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event

from funding.domain import areas
from funding.domain.errors import FundingError
from funding.domain.filing import check_can_file, check_can_return, reasons_given
from funding.domain.money import ZERO, positive, shown
from funding.domain.vocabulary import FilingStatus, Purchaser, SourceKind, SpotCheckOutcome


def source_split(parts: list[tuple[str, Any]], total: Decimal, what: str) -> dict[SourceKind, Decimal]:
    """{source: amount} from (source, amount) pairs: each source once, each amount positive, summing to `total`."""
    split: dict[SourceKind, Decimal] = {}
    for source, amount in parts:
        kind = SourceKind(source)
        if kind in split:
            raise FundingError(f"{what}中“{kind.label}”出现了不止一次")
        split[kind] = positive(amount, f"{kind.label}金额")
    if not split:
        raise FundingError(f"{what}至少包含一个资金来源")
    if sum(split.values(), ZERO) != total:
        raise FundingError(f"{what}各来源金额之和 {shown(sum(split.values(), ZERO))} 与总金额 {shown(total)} 不一致")
    return split


def _lines(split: dict[SourceKind, Decimal]) -> list[dict[str, Any]]:
    return [{"source": kind.value, "amount": amount} for kind, amount in split.items()]


class Contract(Aggregate):
    class Signed(Aggregate.Created):
        purchaser: str
        provider_agency: str
        station_ids: list[str]
        area_code: str
        service_items: list[str]
        amount: Decimal
        period_start: date
        period_end: date
        sources: list[dict[str, Any]]
        signed_on: date

    class Filed(Aggregate.Event):
        area_code: str
        filed_by: str
        filed_with: str
        filed_on: date

    class Returned(Aggregate.Event):
        area_code: str
        returned_by: str
        reasons: list[str]
        returned_on: date

    class SpotChecked(Aggregate.Event):
        area_code: str
        checked_by: str
        outcome: str
        findings: list[str]
        checked_on: date

    class EvaluationReceived(Aggregate.Event):
        project_id: str
        station_id: str
        score: float
        evaluated_on: date

    # Repeats what a consumer needs to keep balances (area, year, contract amount) so the event
    # stands on its own.
    class Disbursed(Aggregate.Event):
        area_code: str
        funding_area_code: str
        instalment: int
        milestone: str
        amount: Decimal
        sources: list[dict[str, Any]]
        paid_on: date
        contract_amount: Decimal
        paid_to_date: Decimal
        evaluation: dict[str, Any] | None

    @classmethod
    def sign(
        cls,
        purchaser: Purchaser,
        provider_agency: str,
        station_ids: list[str],
        area_code: str,
        service_items: list[str],
        amount: Decimal,
        period_start: date,
        period_end: date,
        sources: list[tuple[str, Any]],
        signed_on: date,
    ) -> Contract:
        amount = positive(amount, "合同金额")
        split = source_split(sources, amount, "资金来源构成")
        provider_agency = " ".join(provider_agency.split())
        if not 1 <= len(provider_agency) <= 200:
            raise FundingError("承接机构不能为空，且不超过 200 个字符")
        items = [" ".join(i.split()) for i in service_items if i and i.strip()]
        if not items:
            raise FundingError("服务事项至少填写一项")
        stations = list(dict.fromkeys(str(s) for s in station_ids))
        if not stations:
            raise FundingError("服务站点至少填写一个")
        if period_end < period_start:
            raise FundingError("服务期限的结束日期不能早于开始日期")
        return cls(purchaser=Purchaser(purchaser).value, provider_agency=provider_agency, station_ids=stations,
                   area_code=areas.area_code(area_code), service_items=items, amount=amount, period_start=period_start,
                   period_end=period_end, sources=_lines(split), signed_on=signed_on)

    @event(Signed)
    def __init__(
        self,
        purchaser: str,
        provider_agency: str,
        station_ids: list[str],
        area_code: str,
        service_items: list[str],
        amount: Decimal,
        period_start: date,
        period_end: date,
        sources: list[dict[str, Any]],
        signed_on: date,
    ):
        self.purchaser = Purchaser(purchaser)
        self.provider_agency = provider_agency
        self.station_ids = list(station_ids)
        self.area_code = area_code
        self.service_items = list(service_items)
        self.amount = amount
        self.period_start = period_start
        self.period_end = period_end
        self.sources = {SourceKind(line["source"]): line["amount"] for line in sources}
        self.signed_on = signed_on
        self.filing = FilingStatus.PENDING
        self.filings: list[dict[str, Any]] = []
        self.spot_checks: list[dict[str, Any]] = []
        self.evaluations: list[dict[str, Any]] = []
        self.disbursements: list[dict[str, Any]] = []
        self.paid_by_source = {kind: ZERO for kind in self.sources}

    # --- balances ---------------------------------------------------------------------------------

    @property
    def funding_area(self) -> str:
        return areas.funding_area(self.area_code)

    @property
    def paid(self) -> Decimal:
        return sum(self.paid_by_source.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid

    # --- filing -----------------------------------------------------------------------------------

    @property
    def filed_with(self) -> str:
        """The bureau that files (and returns, and spot-checks) this contract: the level above its area."""
        return areas.filing_parties(self.area_code)[1]

    def file(self, filed_on: date) -> None:
        check_can_file(self.filing, self.signed_on, filed_on, "合同")
        filed_by, filed_with = areas.filing_parties(self.area_code)
        self._filed(self.area_code, filed_by, filed_with, filed_on)

    @event(Filed)
    def _filed(self, area_code: str, filed_by: str, filed_with: str, filed_on: date) -> None:
        self.filing = FilingStatus.FILED
        self.filings.append({"status": "filed", "by": filed_by, "with": filed_with, "on": filed_on})

    def return_(self, reasons: list[str], returned_on: date) -> None:
        check_can_return(self.filing, self.signed_on, returned_on, "合同")
        self._returned(self.area_code, self.filed_with, reasons_given(reasons), returned_on)

    @event(Returned)
    def _returned(self, area_code: str, returned_by: str, reasons: list[str], returned_on: date) -> None:
        self.filing = FilingStatus.RETURNED
        self.filings.append({"status": "returned", "by": returned_by, "reasons": list(reasons), "on": returned_on})

    def spot_check(self, outcome: SpotCheckOutcome, findings: list[str], checked_on: date) -> None:
        if self.filing is not FilingStatus.FILED:
            raise FundingError("只能抽查已备案合同的执行情况")
        outcome = SpotCheckOutcome(outcome)
        findings = [" ".join(f.split()) for f in findings if f and f.strip()]
        if outcome is not SpotCheckOutcome.SATISFACTORY:
            findings = reasons_given(findings, "抽查发现的问题")
        if checked_on < self.signed_on:
            raise FundingError("抽查日期不能早于合同签订日期")
        self._spot_checked(self.area_code, self.filed_with, outcome.value, findings, checked_on)

    @event(SpotChecked)
    def _spot_checked(
        self, area_code: str, checked_by: str, outcome: str, findings: list[str], checked_on: date
    ) -> None:
        self.spot_checks.append(
            {"checked_by": checked_by, "outcome": outcome, "findings": list(findings), "checked_on": checked_on}
        )

    # --- evaluations from casework ----------------------------------------------------------------

    def receive_evaluation(self, project_id: str, station_id: str, score: float, evaluated_on: date) -> bool:
        """Records a project's performance evaluation; False when it is already on record (a republished event)."""
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
            raise FundingError("绩效评估得分应为 0 到 100 之间的数字")
        known = {
            "project_id": project_id,
            "station_id": station_id,
            "score": float(score),
            "evaluated_on": evaluated_on,
        }
        if known in self.evaluations:
            return False
        self._evaluation_received(project_id, station_id, float(score), evaluated_on)
        return True

    @event(EvaluationReceived)
    def _evaluation_received(self, project_id: str, station_id: str, score: float, evaluated_on: date) -> None:
        self.evaluations.append(
            {"project_id": project_id, "station_id": station_id, "score": score, "evaluated_on": evaluated_on}
        )

    def _evaluation_for(self, project_id: str, min_score: float, paid_on: date) -> dict[str, Any]:
        received = [e for e in self.evaluations if e["project_id"] == project_id and e["evaluated_on"] <= paid_on]
        if not received:
            raise FundingError(
                f"该笔拨付以项目 {project_id} 的绩效评估为条件，尚未收到该项目在 {paid_on} 之前的评估结果"
            )
        latest = max(received, key=lambda e: e["evaluated_on"])
        if latest["score"] < min_score:
            raise FundingError(
                f"项目 {project_id} 最近一次绩效评估得分 {latest['score']:g} 低于拨付条件 {min_score:g} 分"
            )
        return {
            "project_id": project_id,
            "min_score": float(min_score),
            "score": latest["score"],
            "evaluated_on": latest["evaluated_on"],
        }

    # --- disbursements ----------------------------------------------------------------------------

    def plan_disbursement(
        self, amount: Decimal, paid_on: date, sources: list[tuple[str, Any]] | None, condition: tuple[str, float] | None
    ) -> tuple[dict[SourceKind, Decimal], dict[str, Any] | None]:
        """Checks an instalment against the contract: filed, not before signing, within what is left of
        the contract and of each source, and meeting its evaluation condition. Returns (split, evaluation)."""
        if self.filing is not FilingStatus.FILED:
            raise FundingError(f"合同尚未备案(当前状态：{self.filing.label})，备案后方可拨付")
        amount = positive(amount, "拨付金额")
        if paid_on < self.signed_on:
            raise FundingError("拨付日期不能早于合同签订日期")
        if sources is None:
            if len(self.sources) != 1:
                raise FundingError("该合同有多个资金来源，请写明本次拨付的来源构成(sources)")
            sources = [(next(iter(self.sources)).value, amount)]
        split = source_split(sources, amount, "本次拨付的来源构成")
        if amount > self.balance:
            raise FundingError(f"拨付后将超过合同金额：合同金额 {shown(self.amount)}，已拨付 {shown(self.paid)}，"
                               f"未拨付余额 {shown(self.balance)}，本次拟拨付 {shown(amount)}")
        for kind, part in split.items():
            if kind not in self.sources:
                raise FundingError(f"合同的资金来源中没有“{kind.label}”")
            left = self.sources[kind] - self.paid_by_source[kind]
            if part > left:
                raise FundingError(f"“{kind.label}”在本合同中的金额为 {shown(self.sources[kind])}，已拨付 "
                                   f"{shown(self.paid_by_source[kind])}，余额 {shown(left)}，本次拟拨付 {shown(part)}")
        evaluation = self._evaluation_for(condition[0], condition[1], paid_on) if condition else None
        return split, evaluation

    def disburse(self, amount: Decimal, paid_on: date, milestone: str, sources: list[tuple[str, Any]] | None = None,
                 condition: tuple[str, float] | None = None) -> int:
        milestone = " ".join(milestone.split())
        if not 1 <= len(milestone) <= 100:
            raise FundingError("拨付节点(milestone)不能为空，且不超过 100 个字符")
        split, evaluation = self.plan_disbursement(amount, paid_on, sources, condition)
        total = sum(split.values(), ZERO)
        instalment = len(self.disbursements) + 1
        self._disbursed(
            self.area_code,
            self.funding_area,
            instalment,
            milestone,
            total,
            _lines(split),
            paid_on,
            self.amount,
            self.paid + total,
            evaluation,
        )
        return instalment

    @event(Disbursed)
    def _disbursed(self, area_code: str, funding_area_code: str, instalment: int, milestone: str, amount: Decimal,
                   sources: list[dict[str, Any]], paid_on: date, contract_amount: Decimal, paid_to_date: Decimal,
                   evaluation: dict[str, Any] | None) -> None:
        for line in sources:
            self.paid_by_source[SourceKind(line["source"])] += line["amount"]
        self.disbursements.append(
            {
                "instalment": instalment,
                "milestone": milestone,
                "amount": amount,
                "sources": sources,
                "paid_on": paid_on,
                "evaluation": evaluation,
            }
        )

