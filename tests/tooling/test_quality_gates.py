"""The quality gates of `make lint` (ruff, mypy, import-linter) can fail.

Each test lays out a small copy of the project in tmp_path: the real pyproject.toml, the real funding domain and
pzh_shared.areas, and an empty module for every other module the import contracts name. It runs the real tools
there with the project's configuration, as `make lint` does, and shows that the unbroken copy passes and that each
kind of breakage (a type error, a ruff error, a domain importing infrastructure, a service importing another,
pzh_shared importing a service, a layer importing the one above it) fails with its own message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())
SERVICES = ("registry", "talent", "casework", "funding", "reporting", "gateway")
# The folder each root package lives in, as in the repository.
HOMES = {"pzh_shared": "shared", **{s: f"services/{s}" for s in SERVICES}}
# What the copy holds for real; everything else the contracts name is an empty module.
REAL = ("shared/pzh_shared/__init__.py", "shared/pzh_shared/areas.py", "services/funding/funding/__init__.py",
        "services/funding/funding/domain")
MYPY_PACKAGES = ("pzh_shared", "funding.domain")


def contract_modules() -> set[str]:
    """Every internal module the import contracts name, so the copy follows the configuration."""
    names: set[str] = set(CONFIG["tool"]["importlinter"]["root_packages"])
    for contract in CONFIG["tool"]["importlinter"]["contracts"]:
        names.update(contract.get("source_modules", []))
        names.update(contract.get("forbidden_modules", []))
        names.update(contract.get("modules", []))
        for container in contract.get("containers", []):
            for layer in contract.get("layers", []):
                names.update(f"{container}.{name.strip()}" for name in layer.split("|"))
    return {name for name in names if name.split(".")[0] in HOMES}


def module_file(tree: Path, module: str) -> Path:
    """The file of `module` in the copy: a package's __init__.py, or a plain module for a name like settings."""
    head, *rest = module.split(".")
    package = tree / HOMES[head] / head
    if rest and rest[-1] in ("settings", "__main__"):
        return package.joinpath(*rest[:-1], f"{rest[-1]}.py")
    return package.joinpath(*rest, "__init__.py")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One cache for every copy: the libraries are analysed once, each copy's own files every time.
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Path]:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for path in REAL:
        source, target = ROOT / path, tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    for module in contract_modules():
        head, *rest = module.split(".")
        for depth in range(len(rest) + 1):
            path = module_file(tmp_path, ".".join([head, *rest[:depth]]))
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f'"""{module}: a stand-in for the tooling tests."""\n')
    yield tmp_path


def run(tree: Path, *command: str) -> subprocess.CompletedProcess[str]:
    # The copy's packages come first on the path, ahead of the editable installs of the real ones.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(tree / home) for home in HOMES.values())}
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=120)


def ruff(tree: Path) -> subprocess.CompletedProcess[str]:
    return run(tree, "ruff", "check", "--no-cache", ".")


def mypy(tree: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    packages = [arg for package in MYPY_PACKAGES for arg in ("-p", package)]
    return run(tree, "mypy", "--cache-dir", str(cache), *packages)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return run(tree, "lint-imports", "--no-cache")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_the_unbroken_copy_passes_every_gate(tree: Path, mypy_cache: Path) -> None:
    results = ruff(tree), mypy(tree, mypy_cache), lint_imports(tree)
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    contracts = len(CONFIG["tool"]["importlinter"]["contracts"])
    assert f"Contracts: {contracts} kept, 0 broken." in results[2].stdout


def test_mypy_fails_on_a_type_error(tree: Path, mypy_cache: Path) -> None:
    append(tree / "services/funding/funding/domain/money.py", '\n\ndef broken() -> int:\n    return "七"\n')
    result = mypy(tree, mypy_cache)
    assert result.returncode != 0
    assert 'funding/domain/money.py' in result.stdout
    assert 'Incompatible return value type (got "str", expected "int")' in result.stdout


def test_mypy_is_strict_on_the_domain(tree: Path, mypy_cache: Path) -> None:
    append(tree / "services/funding/funding/domain/money.py", "\n\ndef untyped(amount):\n    return amount\n")
    result = mypy(tree, mypy_cache)
    assert result.returncode != 0
    assert "Function is missing a type annotation  [no-untyped-def]" in result.stdout


def test_mypy_is_strict_on_shared(tree: Path, mypy_cache: Path) -> None:
    append(tree / "shared/pzh_shared/areas.py", "\n\ndef untyped(code):\n    return code\n")
    result = mypy(tree, mypy_cache)
    assert result.returncode != 0
    assert "pzh_shared/areas.py" in result.stdout and "[no-untyped-def]" in result.stdout


def test_ruff_fails_on_an_unused_import(tree: Path) -> None:
    errors = tree / "services/funding/funding/domain/errors.py"
    errors.write_text("import os\n" + errors.read_text())
    result = ruff(tree)
    assert result.returncode != 0
    assert "F401" in result.stdout and "`os` imported but unused" in result.stdout


def test_ruff_fails_on_a_line_over_the_configured_length(tree: Path) -> None:
    limit = CONFIG["tool"]["ruff"]["line-length"]
    append(tree / "services/funding/funding/domain/errors.py", f"\nLONG = {'1' * (limit - len('LONG = ') + 1)}\n")
    result = ruff(tree)
    assert result.returncode != 0
    assert f"E501 Line too long ({limit + 1} > {limit})" in result.stdout


DOMAIN_CONTRACT = "funding.domain imports no outer layer and no infrastructure"


@pytest.mark.parametrize(("importer", "imported", "contract"), [
    *[("funding.domain.errors", module, DOMAIN_CONTRACT)
      for module in ("fastapi", "aiokafka", "faust", "sqlite3", "pzh_shared.eventstore", "funding.adapters")],
    ("funding.api", "talent.domain", "no service imports another"),
    ("pzh_shared.areas", "registry", "pzh_shared imports no service"),
    ("funding.application", "funding.api", "layers inside each command service"),
])
def test_a_forbidden_import_breaks_its_contract(tree: Path, importer: str, imported: str, contract: str) -> None:
    head, *rest = importer.split(".")
    plain = (tree / HOMES[head] / head).joinpath(*rest).with_suffix(".py")
    append(plain if plain.exists() else module_file(tree, importer), f"\nimport {imported}  # noqa: E402, F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
    assert f"{importer} -> {imported}" in result.stdout
