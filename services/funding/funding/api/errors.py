"""The funding service's domain errors as HTTP answers, and the Chinese labels of its fields for the
shared readable 422s (pzh_shared.http)."""

from __future__ import annotations

from pzh_shared.service import ErrorMap

from funding.domain.errors import AssistanceCapExceeded, ConcurrentChange, Conflict, FundingError, NotFound

FIELD_LABELS = {
    "area_code": "行政区划代码",
    "year": "年度",
    "source": "资金来源",
    "amount": "金额",
    "budgeted_on": "预算登记日期",
    "total": "困难群众救助资金支出总额",
    "recorded_on": "登记日期",
    "purchaser": "购买主体",
    "provider_agency": "承接机构",
    "station_ids": "服务站点",
    "service_items": "服务事项",
    "period_start": "服务期开始日期",
    "period_end": "服务期结束日期",
    "sources": "资金来源构成",
    "signed_on": "签订日期",
    "filed_on": "备案日期",
    "reasons": "退回原因",
    "returned_on": "退回日期",
    "outcome": "抽查结论",
    "findings": "抽查发现",
    "checked_on": "抽查日期",
    "paid_on": "拨付日期",
    "milestone": "拨付节点",
    "condition": "拨付条件",
    "project_id": "项目编号",
    "min_score": "最低评估得分",
    "title": "计划名称",
    "projects": "项目",
    "name": "项目名称",
    "submitted_on": "报送日期",
    "resubmitted_on": "重新报送日期",
    # list filters (query parameters)
    "area": "行政区划代码",
    "status": "状态",
    "station_id": "服务站点",
    "contract_id": "合同编号",
    "kind": "资金来源",
    "type": "类别",
    "filed_with": "受理备案机关",
}

ERRORS: ErrorMap = {
    NotFound: (404, "not_found"),
    ConcurrentChange: (409, "concurrent_change"),
    Conflict: (409, "conflict"),
    AssistanceCapExceeded: (422, "assistance_cap_exceeded"),
    FundingError: (422, "rule_violated"),
}
