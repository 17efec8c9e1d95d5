"""The Slack manifest is made from the bot's commands; the committed one is the shipped skills'."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bots.cli import main
from bots.slack.manifest import render_manifest
from conversation.commands import SlashCommand

ROOT = Path(__file__).parent.parent


def shipped_skills() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(project["project"]["entry-points"]["chatwright.skills"])


def test_the_committed_manifest_is_the_one_printed_for_the_shipped_skills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATWRIGHT_SKILLS_ENABLED", ",".join(shipped_skills()))

    assert main(["slack", "manifest"]) == 0

    assert capsys.readouterr().out == (ROOT / "slack-app-manifest.yml").read_text()


def test_a_plugins_command_is_listed_with_its_usage() -> None:
    manifest = render_manifest([SlashCommand("status", "Look an order up", "<order id>")])

    assert "    - command: /status\n" in manifest
    assert "      description: Look an order up\n      usage_hint: <order id>\n" in manifest
