"""Slack's assistant threads (Bolt's ``AsyncAssistant``): what the adapter shows in them.

Suggested prompts when a thread starts are made from the registry's skills (each task skill's
summary, and one of its examples as the message sent); the thread's title is its first message.
Messages in the thread reach the engine like DMs (each thread is its own scope); their answers
show the "is thinking…" status and stream natively (``bots.slack.streaming``).
"""

from __future__ import annotations

from conversation.router import Router
from conversation.suggestions import suggested_prompts as registry_prompts

MAX_PROMPTS = 4
"""Slack shows at most four suggested prompts."""
TITLE_CHARS = 60
PROMPTS_TITLE = "Try one of these:"


def suggested_prompts(router: Router) -> list[dict[str, str]]:
    """Up to four ``{"title", "message"}`` prompts: the task skills, in the registry's order."""
    return [{"title": p.title, "message": p.message} for p in registry_prompts(router)[:MAX_PROMPTS]]


def thread_title(text: str) -> str:
    """A thread's title from its first message: its first line, cut at a word."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    if len(line) <= TITLE_CHARS:
        return line
    return line[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"
