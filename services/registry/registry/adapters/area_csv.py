"""Bulk area import from CSV, as officials export it from Excel (UTF-8 with or without BOM, or GB18030).

Columns (header row required, order free): code, name, parent_code, reform_affected, valid_from, vintage.
reform_affected: 是/否, true/false, 1/0, Y/N (empty = 否). valid_from: YYYY-MM-DD. A `level` column
(country/province/city/county/township/village), as the deployment's pinned area file has, must agree with
the code's form. The pinned file has no valid_from: its reader supplies one (`default_valid_from`).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from pzh_shared.areas import is_area_code, level_of

from registry.application.service import AreaRow

COLUMNS = ("code", "name", "parent_code", "reform_affected", "valid_from", "vintage")
REQUIRED = ("code", "name", "valid_from")
_TRUE = {"是", "true", "1", "y", "yes"}
_FALSE = {"否", "false", "0", "n", "no", ""}


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def parse(raw: bytes, default_valid_from: date | None = None) -> tuple[list[AreaRow], list[dict[str, Any]]]:
    """Rows it could read, and a problem per line it could not (line numbers as Excel shows them)."""
    reader = csv.DictReader(io.StringIO(decode(raw)))
    header = [h.strip() for h in (reader.fieldnames or [])]
    required = [c for c in REQUIRED if c != "valid_from" or default_valid_from is None]
    missing = [c for c in required if c not in header]
    if missing:
        return [], [
            {"line": 1, "code": None, "problem": f"表头缺少列：{', '.join(missing)}；应有列：{', '.join(COLUMNS)}"}
        ]
    rows, problems = [], []
    for line, record in enumerate(reader, start=2):
        record = {(k or "").strip(): (v or "").strip() for k, v in record.items()}
        try:
            flag = record.get("reform_affected", "").lower()
            if flag not in _TRUE | _FALSE:
                raise ValueError(f"reform_affected 应为 是/否，而不是 {flag!r}")
            level, code = record.get("level", ""), record["code"]
            if level and is_area_code(code) and level != level_of(code).value:
                raise ValueError(f"level 为 {level!r}，而代码 {code} 是 {level_of(code).value} 一级")
            try:
                given = record.get("valid_from", "")
                valid_from = default_valid_from if default_valid_from and not given else date.fromisoformat(given)
            except ValueError:
                raise ValueError(f"valid_from 应为 YYYY-MM-DD 格式的日期，而不是 {given!r}") from None
            rows.append(AreaRow(code=record["code"], name=record["name"], parent_code=record.get("parent_code") or None,
                                reform_affected=flag in _TRUE, valid_from=valid_from, vintage=record.get("vintage", ""),
                                line=line))
        except ValueError as exc:
            problems.append({"line": line, "code": record.get("code"), "problem": str(exc)})
    return rows, problems
