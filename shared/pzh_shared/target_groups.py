"""A client's categories (服务对象类别), the plan's special groups: one vocabulary for casework (which records
them), the console (which offers them) and reporting (which counts services by them), so a code means the same in
all three. §二(五)2 "重点为辖区内困难家庭、留守空巢老人、困境儿童、残疾人、流动人口等特殊群体"; A2 §3.2.5.2
"易地搬迁群众". Casework's TargetGroup and reporting's event field enumerate the same codes (their tests hold them
equal)."""

from __future__ import annotations

TARGET_GROUPS = {
    "hardship_family": "困难家庭",
    "left_behind_elderly": "留守老人",
    "empty_nest_elderly": "空巢老人",
    "child_in_difficulty": "困境儿童",
    "disabled": "残疾人",
    "migrant": "流动人口",
    "relocated": "易地搬迁群众",
}
