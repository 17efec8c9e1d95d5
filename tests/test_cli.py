"""The command line: clear one-line errors, and database upgrades on demand."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bots.cli import main


def test_db_upgrade_creates_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATWRIGHT_DATA_DIR", str(tmp_path / "state"))

    assert main(["db", "upgrade"]) == 0

    tables = sa.inspect(
        sa.create_engine(f"sqlite:///{tmp_path / 'state' / 'chatwright.db'}")
    ).get_table_names()
    assert {"inbox", "outbox", "turns", "scope_state", "transcripts"} <= set(tables)


def test_bad_configuration_exits_with_one_line_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATWRIGHT_LLM_TIMEOUT_S", "-1")

    assert main(["db", "upgrade"]) == 2

    error = capsys.readouterr().err
    assert error.startswith("chatwright: llm_timeout_s: ")
    assert error.count("\n") == 1


def test_unknown_model_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATWRIGHT_MODEL", "gpt-17")

    assert main(["model", "prepare"]) == 2

    assert "gpt-17" in capsys.readouterr().err
