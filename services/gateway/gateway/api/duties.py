"""The plan's rules on who may give a command beyond role and area (separation of duties, issue 18 item 1),
checked after the scope so that an object outside the caller's area stays a uniform 404:

- filing: a contract is filed, returned and spot-checked by the level the plan names (funding's `filed_with`,
  the level above the contract's area), so the level that signed it never files its own contract;
- approval: a case plan or closing is approved by a supervisor account whose area is the case's station or
  county (or lies in between); that it is not the case's own worker casework checks, as only it knows the worker.

Each refusal is a 403 with its reason in Chinese."""

from __future__ import annotations

from pzh_shared.areas import county_of, scope_prefix

from gateway.access import Route
from gateway.api.errors import forbidden
from gateway.api.scope import ScopeResolver
from gateway.auth import Principal
from gateway.roles import ROLE_NAMES, Role


def check_duty(route: Route, params: dict[str, str], p: Principal, resolver: ScopeResolver,
               target: str | None) -> None:
    if route.duty == "filing":
        contract = resolver.fetched.get(("contract", params["contract_id"])) or {}
        filed_with = contract.get("filed_with")
        if not isinstance(filed_with, str):
            raise forbidden("无法确定该合同的受理备案机关，不能办理备案")
        if p.area_code != filed_with:
            raise forbidden(f"该合同由上一级（{filed_with}）受理备案、退回和抽查；"
                            "签订合同的一级或其他区划的账户不能办理")
    elif route.duty == "approval":
        if p.role != Role.SUPERVISOR:
            raise forbidden(f"服务计划和结案须由{ROLE_NAMES[Role.SUPERVISOR]}账户审批")
        if target is None or not p.prefix.startswith(scope_prefix(county_of(target))):
            raise forbidden("服务计划和结案须由个案所在站点或县(区)的督导审批")
