"""The console's menu, as one table: role -> its sections -> their items. Every item names the gateway
function (access.FUNCTIONS) its page needs, and an item is shown only when the role has that function,
so the menu can never offer a page the API would refuse. A page module adds its entries here (one
section in SECTIONS, its key in the roles that work with it) and its routes in console/modules.py."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.access import allowed
from gateway.roles import Role


@dataclass(frozen=True)
class Item:
    label: str
    href: str
    function: str  # the gateway function the page calls the API with


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


SECTIONS: dict[str, Section] = {
    "home": Section("工作台", (
        Item("工作台", "/console/", "read"),
        Item("报送节奏", "/console/rhythm", "read"),
    )),
    "areas": Section("区划与站点", (
        Item("行政区划", "/console/areas", "read"),
        Item("站点台账", "/console/stations", "read"),
        Item("规划或开设站点", "/console/stations/new", "station_write"),
        Item("年度目标与进度", "/console/targets", "read"),
        Item("服务事项清单", "/console/service-items", "read"),  # console/network.py
    )),
    "talent": Section("人才队伍", (
        Item("社工", "/console/workers", "read"),
        Item("登记社工", "/console/workers/new", "talent_write"),
        Item("志愿者", "/console/volunteers", "read"),
        Item("导入志愿者", "/console/volunteers/import", "talent_write"),
        Item("实习生", "/console/interns", "read"),
        Item("社会组织孵化", "/console/organisations", "read"),
        Item("站点配额", "/console/quotas", "read"),
        Item("指导与督导", "/console/guidance", "read"),  # console/network.py
        Item("导出人员台账", "/console/exports", "read"),  # with a second approver (console/exports.py)
    )),
    # casework (console/casework.py): the caseload is a social worker's and a station operator's home page
    "casework": Section("个案工作", (
        Item("我的个案", "/console/caseload", "case_read"),
        Item("检索服务对象", "/console/clients", "case_read"),
        Item("登记服务对象", "/console/clients/new", "case_write"),
        Item("疑似重复", "/console/clients/duplicates", "case_read"),
    )),
    "supervision": Section("督导", (
        Item("待审批", "/console/approvals", "case_read"),
        Item("个案台账", "/console/cases", "case_read"),
    )),
    "service_quality": Section("服务质量", (
        Item("投诉", "/console/complaints", "read"),
        Item("满意度调查", "/console/surveys", "read"),
    )),
    "funding": Section("资金", (
        Item("预算", "/console/funding/sources", "read"),
        Item("购买服务合同", "/console/contracts", "read"),
        Item("签订合同", "/console/contracts/new", "funding_write"),
        Item("待备案合同", "/console/contracts/queue", "read"),
        Item("社会救助 3% 限额", "/console/funding/cap", "read"),
        # console/money.py: money beyond purchases and community charity
        Item("补贴奖励", "/console/funding/grants", "read"),
        Item("公益创投", "/console/funding/ventures", "read"),
        Item("慈善专项基金与社区基金", "/console/funding/funds", "read"),
        Item("慈善服务需求台账", "/console/funding/needs", "read"),
        Item("慈善捐赠点", "/console/funding/donation-points", "read"),
    )),
    "reports": Section("报表", (
        Item("报表", "/console/reports", "read"),
        Item("县(区)档案", "/console/dossier", "read"),
        Item("报表规则", "/console/rules", "read"),  # console/rules.py: the rules book of the user's area
    )),
    "audit": Section("审计", (
        Item("网关审计日志", "/console/audit/gateway", "gateway_audit_read"),
        Item("个案查阅审计", "/console/audit/reads", "service_audit_read"),
    )),
    "system": Section("系统管理", (
        Item("账户", "/console/accounts", "account_list"),
        Item("API 密钥", "/console/api-keys", "api_key_revoke"),
    )),
}

# Which sections each role works with, in the order its menu shows them.
MENU: dict[str, tuple[str, ...]] = {
    Role.CITY_ADMIN: ("home", "areas", "talent", "funding", "supervision", "service_quality", "reports", "system"),
    Role.COUNTY_ADMIN: ("home", "areas", "talent", "funding", "supervision", "service_quality", "reports", "system"),
    Role.TOWNSHIP_ADMIN: ("home", "areas", "talent", "funding", "supervision", "service_quality", "reports", "system"),
    Role.STATION_OPERATOR: ("casework", "service_quality", "home", "areas", "talent", "reports"),
    Role.SOCIAL_WORKER: ("casework", "service_quality", "home", "areas", "talent"),
    Role.SUPERVISOR: ("supervision", "casework", "service_quality", "home", "areas", "talent"),
    Role.FUNDING_OFFICER: ("home", "funding", "reports"),
    Role.AUDITOR: ("audit",),
    Role.SECURITY_ADMIN: ("system",),
    Role.SYSTEM_ADMIN: ("system", "areas"),
}


def menu_for(role: str) -> list[Section]:
    """The sections of a role's menu, each with only the items the role may use (empty sections left out)."""
    sections = []
    for key in MENU.get(role, ()):
        items = tuple(item for item in SECTIONS[key].items if allowed(role, item.function))
        if items:
            sections.append(Section(SECTIONS[key].title, items))
    return sections


def home_of(role: str) -> str:
    """Where a role lands after signing in: the first page of its menu."""
    sections = menu_for(role)
    return sections[0].items[0].href if sections else "/console/"
