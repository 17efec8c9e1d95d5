"""Suggested prompts made from the registry: one per task skill, with an example to send.

Slack's assistant threads and the web chat's empty conversation offer the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversation.commands import slash_commands
from conversation.router import Router
from skills.prompts import load_examples


@dataclass(frozen=True, slots=True)
class SuggestedPrompt:
    """A prompt to offer: the skill's summary as the title, an example as the message sent."""

    skill: str
    title: str
    message: str


def suggested_prompts(router: Router) -> list[SuggestedPrompt]:
    """One prompt per task skill in the registry's order (not /help, not admin or privacy commands).

    The message is the skill's own first example, else the intent classifier's first for it,
    else the bare command.
    """
    examples = load_examples()
    prompts = []
    for command in slash_commands(router):
        skill = router.skills[command.name]
        if command.private or skill is router.help:
            continue
        said = [*getattr(skill, "examples", ()), *examples.get(command.name, ())]
        message = str(said[0]) if said else f"/{command.name}"
        prompts.append(SuggestedPrompt(command.name, command.summary, message))
    return prompts
