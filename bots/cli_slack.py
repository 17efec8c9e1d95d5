"""``chatwright slack manifest``: the Slack app manifest for the skills this bot runs."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from bots.slack.manifest import render_manifest
from conversation import Settings
from conversation.assembly import build_engine
from conversation.commands import slash_commands


def add_slack_commands(commands: Any) -> None:
    """``slack manifest``."""
    slack = commands.add_parser("slack", help="Slack app set-up")
    actions = slack.add_subparsers(required=True, metavar="ACTION")
    manifest = actions.add_parser("manifest", help="print the app manifest (one slash command per command)")
    manifest.set_defaults(command=print_manifest)


def print_manifest(settings: Settings, _args: argparse.Namespace) -> int:
    """Build the skills as `chatwright run` would (on a scratch database, no model) and print the manifest."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch_settings = settings.model_copy(
            update={"data_dir": Path(scratch), "database_url": "", "model": "fake"}
        )
        engine = build_engine(scratch_settings)
        sys.stdout.write(render_manifest(slash_commands(engine.router)))
    return 0
