"""How the casework domain's errors answer over HTTP, and the Chinese labels of the API's fields for
the shared readable 422s (pzh_shared.http)."""

from __future__ import annotations

from casework.domain.errors import CaseworkError, Conflict, ConsentRequired, NotFound, StageConflict, StaleVersion, UnknownContract

ERRORS: dict[type[Exception], tuple[int, str]] = {
    NotFound: (404, "not_found"),
    StageConflict: (409, "stage_conflict"),
    StaleVersion: (409, "stale_version"),
    Conflict: (409, "conflict"),
    ConsentRequired: (422, "consent_required"),
    UnknownContract: (422, "unknown_contract"),
    CaseworkError: (422, "rule_violated"),
}

FIELD_LABELS = {
    "x-user": "操作人(请求头 X-User)", "x-purpose": "查阅目的(请求头 X-Purpose)",
    "X-User": "操作人(请求头 X-User)", "X-Purpose": "查阅目的(请求头 X-Purpose)",
    "station_id": "站点编号", "area_code": "行政区划代码", "name": "姓名/名称", "id_number": "身份证号码", "phone": "联系电话",
    "address": "住址", "birth_date": "出生日期", "registered_on": "登记日期", "basis": "依据类别", "guardian_name": "监护人姓名",
    "guardian_relationship": "与监护人关系", "guardian_phone": "监护人电话", "statutory_reference": "法定依据",
    "client_id": "服务对象编号", "domain": "服务领域", "subtype": "救助子类型", "risk_level": "风险等级", "opened_on": "开案日期",
    "suspected_child_abuse": "是否疑似儿童受虐", "stage": "阶段", "on": "日期", "expected_version": "预期版本",
    "supervisor_id": "督导编号", "policy": "救助政策", "outcome": "转介结果", "to_station_id": "转入站点编号",
    "to_area_code": "转入站点行政区划代码", "text": "叙述记录", "contract_id": "合同编号", "title": "项目名称",
    "beneficiaries": "受益人数", "score": "评分", "category": "需求类别", "summary": "内容摘要", "quantity": "数量",
    "donation_point_id": "捐赠点编号", "donor_kind": "捐赠方类别", "amount": "金额", "channel": "渠道", "received_at": "受理时间",
    "action": "处理措施", "handled_at": "处理时间", "response": "答复", "closed_at": "办结时间", "respondent": "调查对象",
    "method": "调查方式", "surveyed_on": "调查日期", "started_on": "开始日期",
}
