"""Slack: the adapter (Events API over HTTP or Socket Mode), its reply sink and mrkdwn rendering."""

from bots.slack.adapter import EVENTS_PATH, SlackAdapter, build_web_client
from bots.slack.events import PLATFORM, ReactionFeedback
from bots.slack.progress import ProgressTiming
from bots.slack.render import MESSAGE_CHARS, render_for_slack, split_for_slack
from bots.slack.sink import SlackSink

__all__ = [
    "EVENTS_PATH",
    "MESSAGE_CHARS",
    "PLATFORM",
    "ProgressTiming",
    "ReactionFeedback",
    "SlackAdapter",
    "SlackSink",
    "build_web_client",
    "render_for_slack",
    "split_for_slack",
]
