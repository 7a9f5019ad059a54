"""The deployment's reference data from its pinned files: the areas (deploy/data/areas-<vintage>.csv:
code, name, parent_code, level, vintage) and the yearly targets per county (deploy/data/targets-<year>.csv)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from pzh_shared.areas import AreaRoot

from registry.adapters import area_csv
from registry.application.service import AreaRow, ReferenceData, TargetRow
from registry.domain.areas import SEED_VALID_FROM
from registry.domain.errors import RegistryError
from registry.settings import RegistrySettings

TARGET_COLUMNS = ("county_code", "year", "general_station", "township_station", "village_room", "on", "source")


class UnreadableReference(RegistryError):
    """A reference file with lines that cannot be read: the first problems, by line."""


def read_areas(path: Path) -> list[AreaRow]:
    rows, problems = area_csv.parse(path.read_bytes(), default_valid_from=SEED_VALID_FROM)
    if problems:
        shown = "；".join(f"第 {p['line']} 行：{p['problem']}" for p in problems[:5])
        raise UnreadableReference(f"行政区划文件 {path} 有 {len(problems)} 行无法读取：{shown}")
    return rows


def read_targets(path: Path) -> list[TargetRow]:
    reader = csv.DictReader(io.StringIO(area_csv.decode(path.read_bytes())))
    missing = [c for c in TARGET_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UnreadableReference(f"目标文件 {path} 缺少列：{', '.join(missing)}")
    try:
        return [TargetRow(county_code=r["county_code"], year=int(r["year"]), general_station=int(r["general_station"]),
                          township_station=int(r["township_station"]), village_room=int(r["village_room"]),
                          on=date.fromisoformat(r["on"]), source=r["source"]) for r in reader]
    except ValueError as exc:
        raise UnreadableReference(f"目标文件 {path} 第 {reader.line_num} 行无法读取：{exc}") from None


def read_reference(settings: RegistrySettings) -> ReferenceData:
    # An empty REGISTRY_TARGETS_FILE (read by pydantic as ".") means no targets.
    wanted = settings.targets_file is not None and str(settings.targets_file) not in ("", ".")
    targets = read_targets(settings.targets_file) if wanted and settings.targets_file else []
    return ReferenceData(AreaRoot(settings.root_area_code), read_areas(settings.areas_file), targets,
                         settings.areas_down_to)
