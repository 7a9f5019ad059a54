"""pzh_shared.backup without a server: which databases the settings name, and the manifest's checks of the dumps.
The dump and restore themselves run on real servers in tests/faults/test_backup_restore.py."""

from __future__ import annotations

import hashlib
import json

import pytest
from pzh_shared import backup
from pzh_shared.backup import BackupError, databases, read_manifest


def test_each_database_is_named_once_with_its_users_and_the_audit_sink_first() -> None:
    env = {"REGISTRY_EVENT_STORE": "postgres", "CASEWORK_EVENT_STORE": "postgres",
           "FUNDING_EVENT_STORE": "kurrentdb",  # its tracking records are in PostgreSQL
           "TALENT_EVENT_STORE": "sqlite", "GATEWAY_STORE": "postgres", "GATEWAY_POSTGRES_PORT": "6543",
           "REPORTING_READ_MODEL": "postgres",
           "AUDIT_SINK_SINK": "postgres", "AUDIT_SINK_POSTGRES_CONNINFO": "host=sink dbname=audit user=shipper",
           "AUDIT_SINK_OWNER_CONNINFO": "host=sink dbname=audit user=owner"}
    named = databases(env)
    assert [db.used_by for db in named] == [["audit_sink"], ["registry", "casework", "funding", "reporting"],
                                             ["gateway"]]
    assert named[0].params["user"] == "owner"  # the owner may read every table; the shipper may not read all
    assert named[2].params["port"] == "6543"
    assert [db.file for db in named] == ["audit_sink.dump", "registry+casework+funding+reporting.dump",
                                         "gateway.dump"]


def test_nothing_on_postgresql_names_no_database_and_the_command_says_so(monkeypatch, capsys) -> None:
    assert databases({"REGISTRY_EVENT_STORE": "sqlite", "AUDIT_SINK_SINK": "sqlite"}) == []
    for name in ("REGISTRY_EVENT_STORE", "TALENT_EVENT_STORE", "CASEWORK_EVENT_STORE", "FUNDING_EVENT_STORE",
                 "GATEWAY_STORE", "REPORTING_READ_MODEL", "AUDIT_SINK_SINK"):
        monkeypatch.delenv(name, raising=False)
    assert backup.main(["dump", "--to", "unused"]) == 2
    assert "nothing to back up" in capsys.readouterr().err


def _backup_dir(tmp_path, content: bytes = b"PGDMP dump bytes"):
    (tmp_path / "registry.dump").write_bytes(content)
    manifest = {"databases": [{"file": "registry.dump", "used_by": ["registry"], "bytes": len(content),
                               "sha256": hashlib.sha256(content).hexdigest()}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def test_the_manifest_accepts_the_dumps_it_describes(tmp_path) -> None:
    manifest = _backup_dir(tmp_path)
    assert read_manifest(tmp_path) == manifest


@pytest.mark.parametrize("change", ["tampered", "truncated", "missing"])
def test_a_changed_or_missing_dump_fails_the_manifest_check(tmp_path, change) -> None:
    _backup_dir(tmp_path)
    dump = tmp_path / "registry.dump"
    if change == "tampered":
        dump.write_bytes(b"PGDMP dump bytez")  # the same size: only the SHA-256 tells
    elif change == "truncated":
        dump.write_bytes(b"PGDMP")
    else:
        dump.unlink()
    with pytest.raises(BackupError, match="缺失" if change == "missing" else "与清单不符"):
        read_manifest(tmp_path)


def test_a_backup_is_never_written_over_another(tmp_path) -> None:
    _backup_dir(tmp_path)
    with pytest.raises(BackupError, match="already holds a backup"):
        backup.dump(tmp_path, [])
