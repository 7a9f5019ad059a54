"""The Chinese names the console shows for the services' codes. The gateway imports no service, so these
mirror the services' vocabularies (registry/domain/station.py and levels.py, talent and funding's
domain/vocabulary.py); a code missing here is shown as it is."""

from __future__ import annotations

from pzh_shared.departments import DEPARTMENTS

TIER_NAMES = {"general_station": "社会工作服务总站", "township_station": "乡镇(街道)社会工作服务站",
              "village_room": "村(社区)社会工作服务室", "institution_station": "民政服务机构社会工作服务站"}
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县(区)", "township": "乡镇(街道)", "village": "村(社区)"}
STATION_LEVELS = {"none": "未达标", "basic": "五有", "standard": "标准化", "professional": "三有"}
STATUS_NAMES = {"planned": "规划中", "opened": "运行中", "suspended": "暂停", "closed": "已关闭", "merged": "已合并"}
RHYTHM_STATUS = {"done": "已完成", "due": "待办", "overdue": "已逾期", "upcoming": "即将到来"}
# registry/domain/levels.py: the five haves (BASIC_ITEMS) first, then the standard's checklist
FACILITY_NAMES = {"venue": "有场地", "signage": "有标识", "office_equipment": "有办公设备", "rules": "有制度",
                  "location": "选址", "functional_areas": "功能分区", "signage_and_logo": "标识标牌",
                  "furniture_and_equipment": "家具设备", "barrier_free_access": "无障碍设施",
                  "fire_equipment": "消防设施", "publicity": "公示栏和网络宣传"}
CERT_LEVELS = {"assistant_social_worker": "助理社会工作师", "social_worker": "社会工作师",
               "senior_social_worker": "高级社会工作师"}
CONSTRUCTION_MODES = {"provincial_award": "省级奖补推动一批", "governance_pilot": "城乡社区治理试点打造一批",
                      "civil_affairs_institution": "民政服务机构布局一批", "county_self_built": "县级整合资源自建一批",
                      "existing_venue": "依托现有场所赋能一批"}
OPERATING_MODELS = {"self_operated": "自主运营", "agency": "购买服务引入驻站机构"}
STATION_ACTIONS = {"open": "开放", "suspend": "暂停", "resume": "恢复", "close": "关闭", "merge": "合并"}
# which lifecycle steps a station in a status may take next (the registry decides; these are the offers)
NEXT_ACTIONS = {"planned": ("open",), "opened": ("suspend", "close", "merge"),
                "suspended": ("resume", "close", "merge")}
HISTORY_KINDS = {"planned": "登记规划", "opened": "开放", "suspended": "暂停", "resumed": "恢复运行",
                 "closed": "关闭", "merged": "合并", "facility_recorded": "设施登记", "staff_recorded": "人员到岗",
                 "staff_removed": "人员离岗", "certificate_recorded": "持证登记", "head_set": "任命站长",
                 "head_relieved": "免去站长", "professional_services": "专业服务(旧填报)",
                 "incubated_agency": "站内孵化机构登记", "casework": "个案/项目", "level_changed": "等级变化"}

EMPLOYMENT = {"full_time": "专职", "part_time": "兼职"}
WORKER_ROLES = {"social_worker": "社会工作者", "community_worker": "社区工作者", "township_cadre": "乡镇(街道)干部",
                "organisation_staff": "社会组织工作人员"}
TRAINING_KINDS = {"graded": "分级培训", "pre_exam": "考前培训", "continuing_education": "继续教育",
                  "high_level": "高端培训"}
ORGANISATION_STATUS = {"filed": "已备案", "incubating": "孵化中", "incubated": "已孵化", "registered": "已登记",
                       "graduated": "已出壳"}
ORGANISATION_TYPES = {"functional_service": "功能服务类", "interest_volunteer": "兴趣爱好及志愿服务类"}

SOURCE_KINDS = {"welfare_lottery": "市级福彩公益金", "governance_pilot": "省级城乡社区治理试点资金",
                "fiscal_award_subsidy": "省、市财政以奖代补资金", "provincial_pilot_award": "省级试点奖补资金",
                "fiscal_county": "县(区)财政资金", "social_assistance": "社会救助资金", "charity": "慈善资金",
                "social_resources_money": "社会资源：资金", "social_resources_goods": "社会资源：物资",
                "social_resources_technology": "社会资源：技术"}
PURCHASERS = DEPARTMENTS  # the purchasing department of a contract, in the registry's service-item lists too
SPOT_CHECK_OUTCOMES = {"satisfactory": "合格", "issues_found": "发现问题，限期整改", "serious_issues": "问题严重"}
CONTRACT_STATUS = {"pending": "待备案", "filed": "已备案", "returned": "已退回"}

REPORT_KINDS = {"monthly-dispatch": "月度调度", "quarterly-notice": "季度通报", "half-year-report": "半年报告",
                "year-end-shortlist": "年终表彰", "station-scorecard": "乡镇社工站年度评估"}

# the gateway audit log's actions: a forwarded command is audited under its function (access.FUNCTIONS), the
# gateway's own routes under their names (api/routers)
AUDIT_ACTIONS = {"case_read": "查阅个案或服务对象", "case_write": "个案办理", "station_write": "站点变更",
                 "area_write": "区划变更", "target_write": "年度目标变更", "talent_write": "人才队伍变更",
                 "funding_write": "资金与合同办理", "report_write": "生成报表", "rules_write": "修订报表规则",
                 "service_write": "项目与服务质量",
                 "forward": "未匹配接口的请求", "login": "登录", "logout": "退出", "create_account": "创建账户",
                 "account_disable": "锁定账户", "account_enable": "启用账户", "account_unlock": "解锁账户",
                 "account_password": "重置密码", "create_api_key": "创建 API 密钥", "revoke_api_key": "吊销 API 密钥",
                 "account_role": "变更角色", "account_mfa-reset": "重置动态口令", "account_sessions-end": "结束会话",
                 "mfa_enrolment": "生成动态口令密钥", "mfa_enrolled": "绑定动态口令",
                 "audit_read": "查阅网关审计日志", "service_audit_read": "查阅个案查阅审计",
                 "export_request": "申请导出个人信息", "export_approval": "审批导出个人信息",
                 "personal_export": "导出个人信息台账"}

# every table, for the templates
TEMPLATE_NAMES = {name: value for name, value in globals().items() if name.isupper() and isinstance(value, dict)}
