"""The departments and people's organisations whose services a station delivers: one vocabulary for the
registry's service-item lists and funding's contracts and budgets, so a department means the same in both.
§三(三) "政府購買的民政、教育、衛健、退役軍人事務、團委、婦聯、殘聯等部門和群團組織的服務事項"; §一(四) "推動政府購買"
adds 工會. The labels are the bodies' usual names (卫生健康 for 衛健, 共青团 for 團委), as the console shows them.
Funding's Purchaser enumerates the same codes (its test holds them equal)."""

from __future__ import annotations

DEPARTMENTS = {
    "civil_affairs": "民政",
    "education": "教育",
    "health": "卫生健康",
    "veterans_affairs": "退役军人事务",
    "youth_league": "共青团",
    "womens_federation": "妇联",
    "disabled_persons_federation": "残联",
    "trade_union": "工会",
}
DEPARTMENT_RULE = "部门应为：" + "、".join(f"{code}（{name}）" for code, name in DEPARTMENTS.items())
