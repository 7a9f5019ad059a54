"""Request and response models of money beyond purchase contracts: subsidies and awards, venture philanthropy,
charity and community funds, the charity needs ledger and donation points. Amounts are decimal strings in yuan."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from funding.api.schemas import AreaCode, CountyCode, Today, Year, Yuan, _Body
from funding.domain.vocabulary import CharityCategory, DonorKind, FundKind, GrantKind, ResourceKind, SourceKind

# -- requests ---------------------------------------------------------------------------------------


class AwardGrant(_Body):
    kind: GrantKind = Field(description="subsidy(补贴) 或 award(奖励)")
    organisation: str = Field(max_length=200, description="受资助的服务机构")
    purpose: str = Field(max_length=200, description="事由")
    area_code: AreaCode = Field(description="受资助工作所在区划；资金出自其所属县(区)的预算")
    station_id: UUID | None = None
    source: SourceKind
    amount: Yuan
    awarded_on: date = Today


class OpenRound(_Body):
    area_code: CountyCode = Field(description="开展公益创投的县(区)或市")
    year: Year
    title: str = Field(max_length=200)
    source: SourceKind
    budget: Yuan
    opened_on: date = Today
    closes_on: date


class Apply(_Body):
    organisation: str = Field(max_length=200)
    project: str = Field(max_length=200)
    area_code: AreaCode
    station_id: UUID | None = None
    requested: Yuan
    applied_on: date = Today


class AwardVenture(_Body):
    amount: Yuan
    awarded_on: date = Today


class PayVenture(_Body):
    amount: Yuan
    paid_on: date = Today


class EstablishFund(_Body):
    kind: FundKind = Field(description="charity_fund(慈善专项基金) 或 community_fund(社区基金)")
    name: str = Field(max_length=200)
    area_code: AreaCode
    station_id: UUID | None = None
    organisation: str | None = Field(default=None, max_length=200, description="设立的慈善组织或机构")
    purposes: list[CharityCategory] = Field(default_factory=list, max_length=7)
    established_on: date = Today


class Receive(_Body):
    donor_kind: DonorKind
    donor_name: str | None = Field(default=None, max_length=200, description="捐赠单位名称；个人捐赠不填")
    amount: Yuan
    received_on: date = Today


class PayFromFund(_Body):
    project: str = Field(max_length=200)
    category: CharityCategory
    amount: Yuan
    paid_on: date = Today


class RecordNeed(_Body):
    area_code: AreaCode = Field(description="村(社区)或乡镇(街道)")
    station_id: UUID | None = None
    category: CharityCategory
    summary: str = Field(max_length=500, description="需求概述，不含个人信息")
    recorded_on: date = Today


class MeetNeed(_Body):
    resource_kind: ResourceKind
    resource_id: UUID | None = Field(default=None, description="对接的社区基金、慈善专项基金或捐赠点编号")
    resource_name: str = Field(max_length=200)
    met_on: date = Today


class OpenPoint(_Body):
    name: str = Field(max_length=200)
    area_code: AreaCode = Field(description="村(社区)或乡镇(街道)")
    operator: str = Field(max_length=200, description="联合设立、运营的慈善组织")
    location: str = Field(max_length=200, description="设置地点(场所)")
    opened_on: date = Today


class ClosePoint(_Body):
    closed_on: date = Today


# -- answers ---------------------------------------------------------------------------------------


class GrantOut(BaseModel):
    grant_id: str
    kind: str
    kind_label: str
    organisation: str
    purpose: str
    area_code: str
    funding_area_code: str
    station_id: str | None
    source: str
    source_name: str
    amount: str
    awarded_on: date


class PaymentOut(BaseModel):
    amount: str
    paid_on: date


class ApplicationOut(BaseModel):
    application_no: int
    organisation: str
    project: str
    area_code: str
    station_id: str | None
    requested: str
    applied_on: date
    awarded: str | None
    awarded_on: date | None
    paid: str
    payments: list[PaymentOut]


class RoundOut(BaseModel):
    round_id: str
    area_code: str
    year: int
    title: str
    source: str
    source_name: str
    budget: str
    awarded: str
    paid: str
    opened_on: date
    closes_on: date
    applications: list[ApplicationOut]
    version: int


class FundEntry(BaseModel):
    type: str = Field(description="received(收入) 或 paid(支出)")
    on: date
    amount: str
    balance: str
    donor_kind: str | None = None
    donor_name: str | None = None
    project: str | None = None
    category: str | None = None


class FundOut(BaseModel):
    fund_id: str
    kind: str
    kind_label: str
    name: str
    area_code: str
    station_id: str | None
    organisation: str | None
    purposes: list[str]
    established_on: date
    received: str
    paid: str
    balance: str
    entries: list[FundEntry]
    version: int


class NeedOut(BaseModel):
    need_id: str
    area_code: str
    station_id: str | None
    category: str
    category_label: str
    summary: str
    recorded_on: date
    status: str
    resource_kind: str | None
    resource_id: str | None
    resource_name: str | None
    met_on: date | None


class PointOut(BaseModel):
    point_id: str
    name: str
    area_code: str
    operator: str
    location: str
    opened_on: date
    status: str
    closed_on: date | None


# -- list rows ---------------------------------------------------------------------------------------


class GrantRow(BaseModel):
    id: str
    grant_id: str
    kind: str
    kind_label: str
    organisation: str
    purpose: str
    area_code: str
    station_id: str | None
    source: str
    source_name: str
    year: int
    amount: str
    awarded_on: date


class RoundRow(BaseModel):
    id: str
    round_id: str
    title: str
    area_code: str
    year: int
    source: str
    source_name: str
    budget: str
    applications: int
    awards: int
    awarded: str
    paid: str
    opened_on: date
    closes_on: date


class FundRow(BaseModel):
    id: str
    fund_id: str
    kind: str
    kind_label: str
    name: str
    area_code: str
    station_id: str | None
    organisation: str | None
    received: str
    paid: str
    balance: str
    established_on: date


class NeedRow(BaseModel):
    id: str
    need_id: str
    area_code: str
    station_id: str | None
    category: str
    category_label: str
    summary: str
    recorded_on: date
    status: str = Field(description="open(待对接) 或 met(已对接)")
    status_label: str
    resource_label: str | None
    resource_name: str | None
    met_on: date | None


class PointRow(BaseModel):
    id: str
    point_id: str
    name: str
    area_code: str
    operator: str
    location: str
    opened_on: date
    status: str = Field(description="open(运行中) 或 closed(已撤销)")
    status_label: str
    closed_on: date | None
