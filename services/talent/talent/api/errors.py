"""How the talent domain's errors answer over HTTP, and the Chinese labels of the API's fields for
the shared readable 422s (pzh_shared.http)."""

from __future__ import annotations

from talent.adapters.volunteer_csv import CsvFormatError
from talent.domain.errors import AlreadyRegistered, Conflict, InvalidPersonalData, NotFound, StationHasHead, TalentError

ERRORS: dict[type[Exception], tuple[int, str]] = {
    InvalidPersonalData: (422, "invalid_personal_data"),
    CsvFormatError: (422, "invalid_csv"),
    NotFound: (404, "not_found"),
    StationHasHead: (409, "station_has_head"),
    AlreadyRegistered: (409, "already_registered"),
    Conflict: (409, "conflict"),
    TalentError: (422, "rule_violated"),
}

FIELD_LABELS = {
    "designated_by": "指定方",
    "guide_kind": "指导方类型", "guide_ids": "指导方", "guided_from": "指导开始日期", "visited_on": "督导日期",
    "guide_id": "督导人", "mode": "督导方式", "topics": "督导内容",
    "name": "姓名/名称",
    "id_number": "身份证号码",
    "phone": "联系电话",
    "role": "人员类别",
    "registered_on": "登记日期",
    "station_id": "站点编号",
    "employment": "用工方式",
    "assigned_on": "到岗日期",
    "left_on": "离岗日期",
    "level": "证书级别",
    "exam_year": "考试年度",
    "sat_on": "参考日期",
    "passed": "是否合格",
    "certified_on": "取证日期",
    "specialised_on": "登记日期",
    "kind": "类别",
    "hours": "时长",
    "completed_on": "结业日期",
    "worker_id": "社工编号",
    "appointed_on": "任命日期",
    "relieved_on": "免职日期",
    "volunteer_number": "志愿者编号",
    "trained_on": "培训日期",
    "served_on": "服务日期",
    "university": "高校名称",
    "placed_from": "实习开始日期",
    "placed_until": "实习结束日期",
    "supervisor_id": "督导社工编号",
    "host_station_id": "孵化站点编号",
    "reform_affected": "是否涉改社区",
    "community_code": "所在社区",
    "filed_on": "备案日期",
    "started_on": "开始孵化日期",
    "organisation_type": "组织类型",
    "incubated_on": "孵化完成日期",
    "registration_number": "登记证号",
    "graduated_on": "出壳日期",
    "year": "年度",
    "on": "日期",
    "hours_as_of": "时长截至日期",
    "intern_id": "实习生编号",
    "organisation_id": "组织编号",
    "agency_id": "机构编号",
    "employed_on": "受聘日期",
    "volunteer_id": "志愿者编号",
}
