"""The Slack app manifest, with one slash command per command of the bot (``chatwright slack manifest``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conversation.commands import SlashCommand

_BEFORE = """\
# Slack app manifest for chatwright: https://api.slack.com/apps -> Create New App -> From a manifest.
# Replace YOUR-HOST with the public host that reaches `chatwright run` (HTTP mode), install the app
# to the workspace, then set CHATWRIGHT_SLACK_BOT_TOKEN (xoxb-…, "OAuth & Permissions") and
# CHATWRIGHT_SLACK_SIGNING_SECRET ("Basic Information").
#
# Socket Mode instead (no public URL; good behind a firewall or on a laptop): set
# socket_mode_enabled: true below and remove every request_url / url line, create an app-level
# token with the connections:write scope ("Basic Information" -> "App-Level Tokens") and set it as
# CHATWRIGHT_SLACK_APP_TOKEN (xapp-…); chatwright then connects out and serves no /slack/events.
display_information:
  name: chatwright
  description: Orders, translation, proofreading, answers from your docs, and chat.
  background_color: "#2c2d30"
features:
  app_home:
    home_tab_enabled: false
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
  bot_user:
    display_name: chatwright
    always_online: true
  assistant_view: # the AI app surface: assistant threads with suggested prompts and streaming
    assistant_description: Orders, translation, proofreading, answers from your docs, and chat.
"""
_AFTER = """\
oauth_config:
  scopes:
    bot:
      - app_mentions:read # mentions in channels
      - assistant:write # assistant threads: status, title, suggested prompts
      - channels:history # thread replies in public channels
      - groups:history # ... in private channels
      - im:history # direct messages
      - mpim:history # group direct messages
      - chat:write # replies, progress edits
      - commands # the slash commands
      - reactions:read # thumbs up/down on replies as feedback
      - users:read # not used yet: names and roles for /admin
settings:
  event_subscriptions:
    request_url: https://YOUR-HOST/slack/events
    bot_events:
      - app_mention
      - assistant_thread_started
      - assistant_thread_context_changed
      - message.im
      - message.channels
      - message.groups
      - message.mpim
      - reaction_added
      - reaction_removed
  interactivity: # the 👍/👎 feedback buttons under answers
    is_enabled: true
    request_url: https://YOUR-HOST/slack/events
  org_deploy_enabled: false
  socket_mode_enabled: false
  token_rotation_enabled: false
"""


_INDICATORS = frozenset("[]{}&*!|>'\"%@`#,?:-")
"""Characters a plain YAML scalar may not start with (and the empty string's "")."""


def bot_scopes() -> list[str]:
    """The manifest's bot scopes (what an OAuth install asks for)."""
    scopes = _AFTER.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    return [
        line.split("#", 1)[0].strip().removeprefix("- ").strip()
        for line in scopes.splitlines()
        if "- " in line
    ]


def render_manifest(commands: Sequence[SlashCommand]) -> str:
    """The manifest YAML (slack-app-manifest.yml is this for the shipped skills)."""
    lines = ["  slash_commands:"]
    for command in commands:
        lines += [
            f"    - command: /{command.name}",
            "      url: https://YOUR-HOST/slack/events",
            f"      description: {_scalar(command.summary)}",
        ]
        if command.usage:
            lines.append(f"      usage_hint: {_scalar(command.usage)}")
        lines.append("      should_escape: false")
    return _BEFORE + "\n".join(lines) + "\n" + _AFTER


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when that is safe, else double-quoted (JSON is valid YAML)."""
    plain = text[:1] not in _INDICATORS and not any(mark in text for mark in (": ", " #"))
    return text if plain else json.dumps(text)
