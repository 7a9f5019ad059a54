"""The platform's roles, declared once: each role's Chinese name, its rank among the area
administrators and its group. The access rules (access.py), sign-in (auth.py), account management
and the console's labels all derive from this table.

Separation of duties (三权分立, GB/T 22239-2019 level 3, 8.1.4.2 and 8.1.10.3): the system administrator
(系统管理员: accounts, API keys, administrative divisions), the security administrator (安全管理员: sign-in
security: unlocking accounts, resetting a lost authenticator, ending sessions, revoking API keys) and the audit
administrator (审计员: reads the audit logs) are three roles of three groups. An account holds exactly one role,
an API key never carries one of the three, and no account is moved into or out of them (PRIVILEGED), so no
account (nor a key an account made) ever holds two of them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CITY_ADMIN = "city_admin"
    COUNTY_ADMIN = "county_admin"
    TOWNSHIP_ADMIN = "township_admin"
    STATION_OPERATOR = "station_operator"
    SOCIAL_WORKER = "social_worker"
    SUPERVISOR = "supervisor"
    FUNDING_OFFICER = "funding_officer"
    AUDITOR = "auditor"
    SECURITY_ADMIN = "security_admin"
    SYSTEM_ADMIN = "system_admin"


class Group(StrEnum):
    AREA_ADMIN = "area_admin"  # administers an area (city, county, township)
    FIELD = "field"  # works in stations and with clients
    FUNDING = "funding"  # keeps an area's budgets, contracts and disbursements
    OVERSIGHT = "oversight"  # reads audit trails only
    SECURITY = "security"  # unlocks accounts, resets authenticators, ends sessions and keys; no data, no accounts
    SYSTEM = "system"  # manages accounts and API keys, never case content


@dataclass(frozen=True)
class RoleInfo:
    role: Role
    name: str  # shown in the console
    # An area administrator manages accounts of a lower rank; None: managed only by a system admin.
    rank: int | None
    group: Group


ROLE_TABLE: tuple[RoleInfo, ...] = (
    RoleInfo(Role.CITY_ADMIN, "市级管理员", 3, Group.AREA_ADMIN),
    RoleInfo(Role.COUNTY_ADMIN, "县(区)管理员", 2, Group.AREA_ADMIN),
    RoleInfo(Role.TOWNSHIP_ADMIN, "乡镇(街道)管理员", 1, Group.AREA_ADMIN),
    RoleInfo(Role.STATION_OPERATOR, "站点运营人员", 0, Group.FIELD),
    RoleInfo(Role.SOCIAL_WORKER, "社会工作者", 0, Group.FIELD),
    # approves case plans and closures in a station or county: a field role, with the case functions
    RoleInfo(Role.SUPERVISOR, "督导", 0, Group.FIELD),
    # rank 1: created by county and city administrators (budgets and contracts are a county's, not a township's)
    RoleInfo(Role.FUNDING_OFFICER, "资金管理员", 1, Group.FUNDING),
    RoleInfo(Role.AUDITOR, "审计员", None, Group.OVERSIGHT),
    RoleInfo(Role.SECURITY_ADMIN, "安全管理员", None, Group.SECURITY),
    RoleInfo(Role.SYSTEM_ADMIN, "系统管理员", None, Group.SYSTEM),
)

ROLES: tuple[str, ...] = tuple(info.role for info in ROLE_TABLE)  # in the table's order (messages list them so)
ALL_ROLES: frozenset[str] = frozenset(ROLES)
ADMINS: frozenset[str] = frozenset(info.role for info in ROLE_TABLE if info.group is Group.AREA_ADMIN)
FIELD_ROLES: frozenset[str] = frozenset(info.role for info in ROLE_TABLE if info.group is Group.FIELD)
RANK: dict[str, int] = {info.role: info.rank for info in ROLE_TABLE if info.rank is not None}
ROLE_NAMES: dict[str, str] = {info.role: info.name for info in ROLE_TABLE}
# The three administrators of 三权分立: no API key carries one, no account changes into or out of one.
PRIVILEGED: frozenset[str] = frozenset(
    info.role for info in ROLE_TABLE if info.group in (Group.SYSTEM, Group.SECURITY, Group.OVERSIGHT))


def may_manage(manager_role: str, role: str) -> bool:
    """Whether `manager_role` may create and manage accounts of `role` (areas are checked apart)."""
    if manager_role == Role.SYSTEM_ADMIN:
        return True
    if manager_role not in ADMINS:  # a rank orders the accounts an area administrator manages, nobody else's
        return False
    return role in RANK and RANK[role] < RANK[manager_role]
