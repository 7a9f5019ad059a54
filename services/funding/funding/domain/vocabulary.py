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


# Public money (plan §三(四)1-3: 福彩公益金, 省级试点资金, 财政资金): what subsidies, awards and venture philanthropy
# are paid from, each drawing on the area's budget of its source. Social assistance funds are left out: the plan
# lets them pay only for purchases of social assistance services, within the 3% cap (§三(四)4); charity and social
# resources are not budgeted public money and reach stations through charity funds and community funds.
PUBLIC_SOURCES = (
    SourceKind.WELFARE_LOTTERY,
    SourceKind.GOVERNANCE_PILOT,
    SourceKind.FISCAL_AWARD_SUBSIDY,
    SourceKind.PROVINCIAL_PILOT_AWARD,
    SourceKind.FISCAL_COUNTY,
)


class MoneyMode(StrEnum):
    """How money reaches a station's work (§三(四)1 "通过购买服务、补贴奖励、公益创投等方式";
    §三(四)5; annex 2 §3.4)."""

    PURCHASE = "purchase"
    SUBSIDY = "subsidy"
    AWARD = "award"
    VENTURE = "venture"
    CHARITY_FUND = "charity_fund"
    COMMUNITY_FUND = "community_fund"

    @property
    def label(self) -> str:
        return MODE_NAMES[self]


MODE_NAMES = {
    MoneyMode.PURCHASE: "购买服务",
    MoneyMode.SUBSIDY: "补贴",
    MoneyMode.AWARD: "奖励",
    MoneyMode.VENTURE: "公益创投",
    MoneyMode.CHARITY_FUND: "慈善专项基金",
    MoneyMode.COMMUNITY_FUND: "社区基金",
}


class GrantKind(StrEnum):
    """A grant paid at once that is not a purchase: a subsidy (补贴) or an award (奖励)."""

    SUBSIDY = "subsidy"
    AWARD = "award"

    @property
    def label(self) -> str:
        return MODE_NAMES[MoneyMode(self.value)]


class FundKind(StrEnum):
    CHARITY_FUND = "charity_fund"  # 慈善专项基金: set up at a station by a charity organisation (§三(四)5)
    COMMUNITY_FUND = "community_fund"  # 社区基金: of a village/community or a township (annex 2 §3.4, §四)

    @property
    def label(self) -> str:
        return MODE_NAMES[MoneyMode(self.value)]


class DonorKind(StrEnum):
    """Who gave: a kind, never an individual's name."""

    ENTERPRISE = "enterprise"  # 企业
    FOUNDATION = "foundation"  # 基金会
    CHARITY_ORGANISATION = "charity_organisation"  # 慈善组织
    INDIVIDUAL = "individual"  # 个人

    @property
    def label(self) -> str:
        return {"enterprise": "企业", "foundation": "基金会", "charity_organisation": "慈善组织",
                "individual": "个人"}[self.value]


class CharityCategory(StrEnum):
    """What charity money serves: the plan's list (§三(四)5 "养老、助残、扶幼、济弱、帮困、人才培训"), and other."""

    ELDERLY = "elderly"
    DISABILITY = "disability"
    CHILDREN = "children"
    VULNERABLE = "vulnerable"
    HARDSHIP = "hardship"
    TRAINING = "training"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_NAMES[self]


CATEGORY_NAMES = {
    CharityCategory.ELDERLY: "养老",
    CharityCategory.DISABILITY: "助残",
    CharityCategory.CHILDREN: "扶幼",
    CharityCategory.VULNERABLE: "济弱",
    CharityCategory.HARDSHIP: "帮困",
    CharityCategory.TRAINING: "人才培训",
    CharityCategory.OTHER: "其他",
}


class ResourceKind(StrEnum):
    """The charity resource a need was met with (annex 2 §3.4 "链接慈善资源")."""

    COMMUNITY_FUND = "community_fund"  # 社区基金
    CHARITY_FUND = "charity_fund"  # 慈善专项基金
    DONATION_POINT = "donation_point"  # 慈善捐赠点
    CHARITY_ORGANISATION = "charity_organisation"  # 慈善组织
    ENTERPRISE = "enterprise"  # 企业
    VOLUNTEERS = "volunteers"  # 志愿服务
    OTHER = "other"  # 其他

    @property
    def label(self) -> str:
        return {"community_fund": "社区基金", "charity_fund": "慈善专项基金", "donation_point": "慈善捐赠点",
                "charity_organisation": "慈善组织", "enterprise": "企业", "volunteers": "志愿服务",
                "other": "其他"}[self.value]
