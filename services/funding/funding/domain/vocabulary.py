"""The funding service's controlled vocabulary: stable English codes, Chinese labels."""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    """Where money comes from (DOMAIN.md "Money", plan §三(四))."""

    WELFARE_LOTTERY = "welfare_lottery"  # 市级福彩公益金 (purchase, subsidies and awards, venture philanthropy)
    GOVERNANCE_PILOT = "governance_pilot"  # 省级城乡社区治理试点资金
    FISCAL_AWARD_SUBSIDY = "fiscal_award_subsidy"  # 省、市财政以奖代补资金 (the guide)
    PROVINCIAL_PILOT_AWARD = (
        "provincial_pilot_award"  # 省级试点奖补资金: award-subsidies for provincial pilots, their own kind
    )
    FISCAL_COUNTY = "fiscal_county"  # 县(区)财政资金 (the main investor)
    SOCIAL_ASSISTANCE = "social_assistance"  # 社会救助资金 (the 3% rule applies)
    CHARITY = "charity"  # 慈善资金
    SOCIAL_RESOURCES_MONEY = "social_resources_money"  # 社会资源(基金会、企业)：资金
    SOCIAL_RESOURCES_GOODS = "social_resources_goods"  # 社会资源：物资(折价)
    SOCIAL_RESOURCES_TECHNOLOGY = "social_resources_technology"  # 社会资源：技术(折价)

    @property
    def label(self) -> str:
        return SOURCE_NAMES[self]


SOURCE_NAMES = {
    SourceKind.WELFARE_LOTTERY: "福彩公益金",
    SourceKind.GOVERNANCE_PILOT: "省级城乡社区治理试点资金",
    SourceKind.FISCAL_AWARD_SUBSIDY: "省市财政以奖代补资金",
    SourceKind.PROVINCIAL_PILOT_AWARD: "省级试点奖补资金",
    SourceKind.FISCAL_COUNTY: "县级财政资金",
    SourceKind.SOCIAL_ASSISTANCE: "社会救助资金",
    SourceKind.CHARITY: "慈善资金",
    SourceKind.SOCIAL_RESOURCES_MONEY: "社会资源(资金)",
    SourceKind.SOCIAL_RESOURCES_GOODS: "社会资源(物资)",
    SourceKind.SOCIAL_RESOURCES_TECHNOLOGY: "社会资源(技术)",
}


class Purchaser(StrEnum):
    """The department that buys the service (购买主体)."""

    CIVIL_AFFAIRS = "civil_affairs"  # 民政
    EDUCATION = "education"  # 教育
    HEALTH = "health"  # 卫生健康
    VETERANS_AFFAIRS = "veterans_affairs"  # 退役军人事务
    YOUTH_LEAGUE = "youth_league"  # 共青团
    WOMENS_FEDERATION = "womens_federation"  # 妇联
    DISABLED_PERSONS_FEDERATION = "disabled_persons_federation"  # 残联
    TRADE_UNION = "trade_union"  # 工会


class FilingStatus(StrEnum):
    PENDING = "pending"  # 待备案
    FILED = "filed"  # 已备案
    RETURNED = "returned"  # 已退回

    @property
    def label(self) -> str:
        return {"pending": "待备案", "filed": "已备案", "returned": "已退回"}[self.value]


class SpotCheckOutcome(StrEnum):
    SATISFACTORY = "satisfactory"  # 合格
    ISSUES_FOUND = "issues_found"  # 发现问题，限期整改
    SERIOUS_ISSUES = "serious_issues"  # 问题严重
