"""JSON Schemas of a service's integration events, generated from its pydantic contracts and
committed, so consumers read contracts rather than code.

    python -m pzh_shared.schemas write registry.adapters.integration services/registry/schemas
    python -m pzh_shared.schemas check registry.adapters.integration services/registry/schemas
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from pydantic import BaseModel


def render(contracts: dict[str, type[BaseModel]]) -> dict[str, str]:
    """File name -> schema text for every contract."""
    files = {}
    for event_type, model in sorted(contracts.items()):
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": event_type,
                  **model.model_json_schema()}
        files[f"{event_type}.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return files


def differences(contracts: dict[str, type[BaseModel]], directory: Path) -> list[str]:
    """What differs between the committed schemas and the code; empty when they agree."""
    wanted = render(contracts)
    present = {p.name for p in directory.glob("*.json")} if directory.exists() else set()
    problems = [f"{name}: missing or stale" for name, text in wanted.items()
                if not (directory / name).exists() or (directory / name).read_text(encoding="utf-8") != text]
    problems += [f"{name}: no contract in code" for name in sorted(present - set(wanted))]
    return problems


def main(argv: list[str]) -> int:
    action, module, directory = argv[0], argv[1], Path(argv[2])
    contracts = importlib.import_module(module).CONTRACTS
    if action == "write":
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in render(contracts).items():
            (directory / name).write_text(text, encoding="utf-8")
        return 0
    problems = differences(contracts, directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
