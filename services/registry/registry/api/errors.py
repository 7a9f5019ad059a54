"""The registry's domain errors as HTTP answers, and the Chinese labels of its fields for the shared
readable 422s (pzh_shared.http)."""

from __future__ import annotations

from pzh_shared.service import ErrorMap

from registry.application.service import ImportRejected
from registry.domain.errors import Conflict, NotFound, RegistryError, TierMismatch, UnknownArea

ERRORS: ErrorMap = {
    UnknownArea: (422, "unknown_area"),
    TierMismatch: (422, "tier_mismatch"),
    ImportRejected: (422, "import_rejected"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    RegistryError: (422, "rule_violated"),
}

FIELD_LABELS = {
    "code": "行政区划代码", "name": "名称", "reform_affected": "是否涉改", "valid_from": "设立日期",
    "vintage": "代码版本", "on": "生效日期", "into": "承继或并入对象", "tier": "站点层级",
    "area_code": "行政区划代码", "address": "地址", "host_venue": "依托场所", "construction_mode": "建设方式",
    "operating_model": "运营方式", "agency": "驻站机构", "provincial_pilot": "省级试点",
    "governance_pilot": "治理试点", "covers": "片区覆盖", "planned_on": "规划日期", "opened_on": "开放日期",
    "plan_only": "只登记规划", "reason": "原因", "expected_version": "期望版本", "present": "是否具备",
    "evidence": "佐证说明", "general_station": "总站目标",
    "township_station": "乡镇站目标", "village_room": "村室目标", "as_of": "截至日期", "year": "年度",
    "department": "部门", "tiers": "站点层级", "effective_from": "生效日期",
}
