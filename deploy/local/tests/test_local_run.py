"""`make run`'s local secrets: talent's and casework's events are encrypted at rest on a developer's
machine too, with keys made once beside the data."""

from __future__ import annotations

import base64
import stat

from localinfra.run import cipher_keys


def test_keys_are_made_once_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("TALENT_CIPHER_KEY", raising=False)
    monkeypatch.delenv("CASEWORK_CIPHER_KEY", raising=False)
    first = cipher_keys(tmp_path)
    assert set(first) == {"TALENT_CIPHER_KEY", "CASEWORK_CIPHER_KEY"}
    assert all(len(base64.b64decode(key)) == 32 for key in first.values())
    assert first["TALENT_CIPHER_KEY"] != first["CASEWORK_CIPHER_KEY"]
    assert stat.S_IMODE((tmp_path / "cipher-keys").stat().st_mode) == 0o600
    assert cipher_keys(tmp_path) == first  # a restart reads its data with the same keys


def test_a_key_from_the_shell_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENT_CIPHER_KEY", base64.b64encode(b"k" * 32).decode())
    monkeypatch.delenv("CASEWORK_CIPHER_KEY", raising=False)
    assert set(cipher_keys(tmp_path)) == {"CASEWORK_CIPHER_KEY"}


def test_stores_written_unencrypted_before_keep_running_unencrypted(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TALENT_CIPHER_KEY", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "talent.sqlite").write_bytes(b"")
    assert cipher_keys(tmp_path) == {}
    assert not (tmp_path / "cipher-keys").exists()
    assert "make clean" in capsys.readouterr().out
