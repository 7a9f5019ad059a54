"""Charity special funds (慈善专项基金) and community funds (社区基金): established, money received (by donor kind),
paid to projects; a payment past the balance is a 409."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding
from funding.api.grant_schemas import EstablishFund, FundEntry, FundOut, FundRow, PayFromFund, Receive
from funding.application.lists import FUNDS, columns, presenter
from funding.domain.fund import Fund
from funding.domain.money import text
from funding.domain.vocabulary import FundKind

router = APIRouter(prefix="/funds")


def fund_out(f: Fund) -> FundOut:
    entries = [FundEntry.model_validate({**e, "amount": text(e["amount"]), "balance": text(e["balance"])})
               for e in f.entries]
    return FundOut(fund_id=str(f.id), kind=f.kind.value, kind_label=f.kind.label, name=f.name,
                   area_code=f.area_code, station_id=f.station_id, organisation=f.organisation,
                   purposes=[p.value for p in f.purposes], established_on=f.established_on,
                   received=text(f.received), paid=text(f.paid), balance=text(f.balance), entries=entries,
                   version=f.version)


@router.post("", status_code=201, response_model=FundOut)
def establish(body: EstablishFund, funding: Funding) -> FundOut:
    station = str(body.station_id) if body.station_id else None
    return fund_out(funding.establish_fund(body.kind, body.name, body.area_code, station, body.organisation,
                                           [p.value for p in body.purposes], body.established_on))


@router.get("", response_model=Page[FundRow])
def list_funds(params: ListParamsDep, funding: Funding, area: AreaFilter = None, kind: FundKind | None = None) -> Any:
    """Charity special funds and community funds under an area (q: the name), by kind; or their 台账."""
    return list_response(funding.lists, "funds", params, "慈善专项基金与社区基金台账", columns(FUNDS),
                         presenter("funds"), area_code=area, kind=kind)


@router.get("/{fund_id}", response_model=FundOut)
def get_fund(fund_id: UUID, funding: Funding) -> FundOut:
    return fund_out(funding.fund(fund_id))


@router.post("/{fund_id}/receipts", status_code=201, response_model=FundOut)
def receive(fund_id: UUID, body: Receive, funding: Funding) -> FundOut:
    return fund_out(funding.receive_into_fund(fund_id, body.donor_kind, body.donor_name, body.amount,
                                              body.received_on))


@router.post("/{fund_id}/payments", status_code=201, response_model=FundOut)
def pay(fund_id: UUID, body: PayFromFund, funding: Funding) -> FundOut:
    return fund_out(funding.pay_from_fund(fund_id, body.project, body.category, body.amount, body.paid_on))
