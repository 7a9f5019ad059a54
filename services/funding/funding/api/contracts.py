"""Purchase-of-service contracts: sign, file, return, spot-check, and pay their instalments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding, YearFilter
from funding.api.schemas import (
    ContractBalance,
    ContractOut,
    ContractRow,
    Disburse,
    DisbursementOut,
    EvaluationOut,
    FileBody,
    FilingEntry,
    Paid,
    ReturnBody,
    SignContract,
    SourceLine,
    SpotCheck,
    SpotCheckOut,
)
from funding.application.lists import CONTRACTS, ContractStatus, columns, presenter
from funding.domain.contract import Contract
from funding.domain.money import text

router = APIRouter(prefix="/contracts")


def source_lines(lines: list[SourceLine] | None) -> list[tuple[str, Any]] | None:
    return None if lines is None else [(line.source.value, line.amount) for line in lines]


def contract_balance(c: Contract) -> ContractBalance:
    sources = {kind.value: {"amount": text(amount), "paid": text(c.paid_by_source[kind]),
                            "balance": text(amount - c.paid_by_source[kind])} for kind, amount in c.sources.items()}
    return ContractBalance.model_validate({"amount": text(c.amount), "paid": text(c.paid), "balance": text(c.balance),
                                           "sources": sources})


def disbursement_out(d: dict[str, Any]) -> DisbursementOut:
    lines = [{"source": s["source"], "amount": text(s["amount"])} for s in d["sources"]]
    return DisbursementOut.model_validate({**d, "amount": text(d["amount"]), "sources": lines})


def contract_out(c: Contract) -> ContractOut:
    return ContractOut(
        contract_id=str(c.id), purchaser=c.purchaser.value, provider_agency=c.provider_agency,
        station_ids=c.station_ids, area_code=c.area_code, funding_area_code=c.funding_area,
        filed_with=c.filed_with,
        service_items=c.service_items, period_start=c.period_start, period_end=c.period_end, signed_on=c.signed_on,
        filing=c.filing.value, filing_label=c.filing.label,
        filings=[FilingEntry.model_validate(f) for f in c.filings],
        spot_checks=[SpotCheckOut.model_validate(s) for s in c.spot_checks],
        evaluations=[EvaluationOut.model_validate(e) for e in c.evaluations],
        disbursements=[disbursement_out(d) for d in c.disbursements], balance=contract_balance(c), version=c.version)


@router.post("", status_code=201, response_model=ContractOut)
def sign_contract(body: SignContract, funding: Funding) -> ContractOut:
    contract_id = funding.sign_contract(body.purchaser, body.provider_agency, [str(s) for s in body.station_ids],
                                        body.area_code, body.service_items, body.amount, body.period_start,
                                        body.period_end, source_lines(body.sources) or [], body.signed_on)
    return contract_out(funding.contract(contract_id))


@router.get("", response_model=Page[ContractRow])
def list_contracts(params: ListParamsDep, funding: Funding, area: AreaFilter = None, year: YearFilter = None,
                   status: ContractStatus | None = None, station_id: UUID | None = None) -> Any:
    """Contracts under an area (q: the provider agency), by signing year, status and station; or their 台账."""
    serving = funding.contracts_serving(str(station_id)) if station_id else None
    return list_response(funding.lists, "contracts", params, "购买服务合同台账", columns(CONTRACTS),
                         presenter("contracts"), area_code=area, year=year, status=status, contract_id=serving)


@router.get("/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: UUID, funding: Funding) -> ContractOut:
    return contract_out(funding.contract(contract_id))


@router.post("/{contract_id}/filing", response_model=ContractOut)
def file_contract(contract_id: UUID, body: FileBody, funding: Funding) -> ContractOut:
    return contract_out(funding.file_contract(contract_id, body.filed_on))


@router.post("/{contract_id}/return", response_model=ContractOut)
def return_contract(contract_id: UUID, body: ReturnBody, funding: Funding) -> ContractOut:
    return contract_out(funding.return_contract(contract_id, body.reasons, body.returned_on))


@router.post("/{contract_id}/spot-checks", status_code=201, response_model=ContractOut)
def spot_check(contract_id: UUID, body: SpotCheck, funding: Funding) -> ContractOut:
    return contract_out(funding.spot_check_contract(contract_id, body.outcome, body.findings, body.checked_on))


@router.post("/{contract_id}/disbursements", status_code=201, response_model=Paid)
def disburse(contract_id: UUID, body: Disburse, funding: Funding) -> Paid:
    condition = (str(body.condition.project_id), body.condition.min_score) if body.condition else None
    paid = funding.disburse(contract_id, body.amount, body.paid_on, body.milestone, source_lines(body.sources),
                            condition)
    receipt = disbursement_out(paid).model_dump()
    return Paid(contract_id=str(contract_id), **receipt, balance=contract_balance(funding.contract(contract_id)))


