"""No city is compiled into the code (issue 16): nothing under services/ outside the tests names the default
deployment (Panzhihua, its counties, codes 5104xx...) except the settings' default values and the deployment's
data files. The names come from the pinned area file, so the check follows it.

Scanned: every text file under services/ except tests/ folders, caches and build metadata. Allowed: in a
settings.py, the lines that give a field its default and the comments about them; data files (*.csv, *.json).
Documentation (*.md) is not code and may describe the default deployment."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from registry.settings import RegistrySettings

ROOT = Path(__file__).resolve().parents[2]
# The default deployment's root, whose names must not be in the code.
DEFAULT_CITY: str = RegistrySettings.model_fields["root_area_code"].default
SKIPPED_DIRS = {"tests", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
DATA_SUFFIXES = {".csv", ".json"}
DOC_SUFFIXES = {".md"}
SETTING_LINE = re.compile(r"^\s*(#|\w+\s*(:[^=]*)?=)")  # a comment, or `name: type = default`


def default_names() -> list[str]:
    """The default city's name (also without its 市) and its counties' names, from the pinned area file."""
    with (ROOT / "deploy" / "data" / "areas-2023.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    city = next(row["name"] for row in rows if row["code"] == DEFAULT_CITY)
    counties = [row["name"] for row in rows if row["parent_code"] == DEFAULT_CITY]
    return [city.removesuffix("市"), *counties]


FORBIDDEN = re.compile("|".join([*map(re.escape, default_names()), "panzhihua", DEFAULT_CITY[:4] + r"\d\d"]),
                       re.IGNORECASE)


def scanned(root: Path) -> list[Path]:
    files = []
    for path in sorted((root / "services").rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or SKIPPED_DIRS & set(parts) or any(p.endswith(".egg-info") for p in parts):
            continue
        if path.suffix not in DATA_SUFFIXES | DOC_SUFFIXES:
            files.append(path)
    return files


def hits(root: Path) -> list[tuple[str, int, str]]:
    """(path, line number, line) of every forbidden name or code outside the allowed places."""
    found = []
    for path in scanned(root):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue  # fonts, images: no source text
        for number, line in enumerate(lines, start=1):
            if FORBIDDEN.search(line) and not (path.name == "settings.py" and SETTING_LINE.match(line)):
                found.append((path.relative_to(root).as_posix(), number, line.strip()))
    return found


def test_no_file_under_services_names_the_default_city_outside_settings_and_data():
    found = [f"{path}:{number}: {line}" for path, number, line in hits(ROOT)]
    assert not found, "names or codes of the default deployment in the code:\n" + "\n".join(found)


def _plant(tree: Path, path: str, text: str) -> None:
    file = tree / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("text", ['TITLE = "攀枝花市社会工作服务体系"\n', 'AREA = "510402001"\n',
                                  '# the counties of Panzhihua\n', 'x = {"county": "米易县"}\n'])
def test_a_planted_name_or_code_is_found_with_its_file_and_line(tmp_path, text):
    _plant(tmp_path, "services/demo/demo/module.py", '"""A module."""\n' + text)
    assert hits(tmp_path) == [("services/demo/demo/module.py", 2, text.strip())]


def test_only_settings_defaults_data_docs_and_tests_may_name_it(tmp_path):
    _plant(tmp_path, "services/demo/demo/settings.py",
           '# The root (510400, Panzhihua, the default).\n    city_code: str = "510400"\n'
           'def root():\n    return "510400"\n')
    _plant(tmp_path, "services/demo/demo/data/rules.json", '{"pilots": ["510402"]}\n')
    _plant(tmp_path, "services/demo/data.csv", "510402,东区\n")
    _plant(tmp_path, "services/demo/README.md", "default 510400\n")
    _plant(tmp_path, "services/demo/tests/test_x.py", 'CITY = "510400"\n')
    _plant(tmp_path, "services/demo/templates/base.html", "<title>攀枝花市</title>\n")
    assert hits(tmp_path) == [("services/demo/demo/settings.py", 4, 'return "510400"'),
                              ("services/demo/templates/base.html", 1, "<title>攀枝花市</title>")]
