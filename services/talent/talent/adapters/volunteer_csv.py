"""Bulk import of volunteers from a CSV in the layout of the national volunteer service information
system's export (全国志愿服务信息系统). The accepted columns are documented in services/talent/README.md.

Each good row is saved whole (the volunteer, their training and hours, and the unique keys of their
volunteer number and ID number, in one save); a bad row is reported with its line number and the
reason, naming the column but never repeating the value (the values are personal data)."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from talent.domain import identifiers
from talent.domain.errors import TalentError

log = logging.getLogger(__name__)

MAX_ROWS = 50_000

# column -> (field, required); Chinese headers as in the export, English aliases accepted too.
COLUMNS: dict[str, tuple[str, bool]] = {
    "志愿者编号": ("volunteer_number", True),
    "姓名": ("name", True),
    "证件号码": ("id_number", True),
    "手机号码": ("phone", True),
    "注册日期": ("registered_on", True),
    "培训站点": ("station_id", False),
    "培训日期": ("trained_on", False),
    "服务时长": ("hours", False),
}
ALIASES = {fieldname: header for header, (fieldname, _) in COLUMNS.items()}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


class CsvFormatError(TalentError):
    """The file as a whole cannot be read (encoding, header, size): nothing is imported."""


@dataclass
class RowError:
    line: int
    problems: list[str]


@dataclass
class ImportReport:
    imported: list[tuple[int, UUID]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or GB18030 as saved by Excel on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFormatError("文件编码无法识别：请使用 UTF-8 或 GBK 编码的 CSV 文件")


def parse_date(text: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError("日期格式不正确，应为 YYYY-MM-DD")


def _header(row: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(row):
        name = raw.strip().lstrip("\ufeff")
        header = name if name in COLUMNS else ALIASES.get(name.lower())
        if header is not None:
            if header in positions:
                raise CsvFormatError(f"表头中“{header}”列重复")
            positions[header] = index
    missing = [h for h, (_, required) in COLUMNS.items() if required and h not in positions]
    if missing:
        raise CsvFormatError(f"表头缺少必需的列：{'、'.join(missing)}（第 1 行应为表头）")
    return positions


def _row(values: dict[str, str], default_station: str | None, today: date) -> tuple[dict, list[str]]:
    """Row text -> command arguments, or the problems (column named, value never repeated)."""
    problems: list[str] = []
    out: dict = {}
    for header, (fieldname, required) in COLUMNS.items():
        text = values.get(header, "").strip()
        if not text:
            if required:
                problems.append(f"{header}：不能为空")
            continue
        try:
            if fieldname == "id_number":
                out[fieldname] = identifiers.resident_id_number(text)
            elif fieldname == "phone":
                out[fieldname] = identifiers.phone_number(text)
            elif fieldname == "name":
                out[fieldname] = identifiers.person_name(text)
            elif fieldname == "station_id":
                out[fieldname] = identifiers.station_id(text)
            elif fieldname in ("registered_on", "trained_on"):
                out[fieldname] = parse_date(text)
                if out[fieldname] > today:
                    raise ValueError("日期不能晚于今天")
            elif fieldname == "hours":
                try:
                    hours = float(text)
                except ValueError:
                    raise ValueError("应为数字") from None
                if not 0 <= hours <= 100_000:
                    raise ValueError("应为 0 至 100000 之间的数字")
                out[fieldname] = hours
            else:
                out[fieldname] = text
        except (TalentError, ValueError) as exc:
            problems.append(f"{header}：{exc}")  # every message here is ours and names no value
    out.setdefault("station_id", default_station)
    if out["station_id"] is None and "培训站点" not in [p.split("：")[0] for p in problems]:
        problems.append("培训站点：不能为空（或在请求中给出 station_id）")
    if out.get("trained_on") and out.get("registered_on") and out["trained_on"] < out["registered_on"]:
        problems.append("培训日期：不能早于注册日期")
    return out, problems


def import_volunteers(
    application, data: bytes, default_station: str | None = None, hours_as_of: date | None = None
) -> ImportReport:
    """Reads the whole file first (a file that cannot be read imports nothing), then saves row by row."""
    today = date.today()
    hours_as_of = hours_as_of or today
    default_station = identifiers.station_id(default_station) if default_station else None
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        header_row = next(reader)
    except StopIteration:
        raise CsvFormatError("文件为空：第 1 行应为表头") from None
    except csv.Error:
        raise CsvFormatError("第 1 行无法解析为 CSV 表头") from None
    positions = _header(header_row)
    report = ImportReport()
    line = reader.line_num
    rows = 0
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            report.errors.append(RowError(start, ["该行无法解析为 CSV（引号不配对等）"]))
            break  # the reader cannot resynchronise after a broken quote
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise CsvFormatError(f"文件超过 {MAX_ROWS} 行，请分批导入")
        values = {header: row[index] if index < len(row) else "" for header, index in positions.items()}
        arguments, problems = _row(values, default_station, today)
        if problems:
            report.errors.append(RowError(start, problems))
            continue
        try:
            volunteer_id = application.register_volunteer(
                arguments["name"], arguments["id_number"], arguments["phone"], arguments["volunteer_number"],
                arguments["station_id"], arguments["registered_on"], trained_on=arguments.get("trained_on"),
                hours=arguments.get("hours") or None, served_on=max(hours_as_of, arguments["registered_on"]))
        except TalentError as exc:
            report.errors.append(RowError(start, [str(exc)]))
            continue
        report.imported.append((start, volunteer_id))
    log.info("volunteer import: %d rows imported, %d rows refused", len(report.imported), len(report.errors))
    return report
