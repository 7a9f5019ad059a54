"""Facts the deployment tests read from the code."""

from __future__ import annotations

import ast
from pathlib import Path

PLATFORM_PY = Path(__file__).resolve().parents[2] / "deploy" / "local" / "localinfra" / "platform.py"


def platform_processes() -> dict[str, tuple[str, list[str], bool]]:
    """name -> (env prefix, `python -m` arguments, serves HTTP), as platform.py launches them."""
    tree = ast.parse(PLATFORM_PY.read_text(encoding="utf-8"))
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if isinstance(target, ast.Name) and target.id == "PROCESSES":
            return ast.literal_eval(node.value)
    raise AssertionError(f"PROCESSES not found in {PLATFORM_PY}")
