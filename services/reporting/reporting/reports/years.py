"""Periods of the yearly reports (the year-end shortlist and the station scorecard): `YYYY`."""

from __future__ import annotations

import re
from datetime import date

PERIOD = re.compile(r"^(\d{4})$")


def span(period: str) -> tuple[date, date]:
    if not PERIOD.match(period):
        raise ValueError(f"年度格式应为 YYYY，例如 2024：{period!r}")
    return date(int(period), 1, 1), date(int(period), 12, 31)


def periods(year: int) -> list[str]:
    return [str(year)]
