"""chatwright's public extension API: what skills and adapters may import (and nothing else).

Write a skill as a class (``name``, ``description``, ``async handle(request)``) or a function
(``@skill``), register its factory as an entry point in ``chatwright.skills``, and test it with
``chatwright.testing`` (docs/extending/first-skill.md). An adapter is a ``PlatformAdapter`` with a
``ReplySink``, registered in ``chatwright.adapters`` (docs/extending/adapter.md).
"""

from bots.adapter import PlatformAdapter
from bots.health import AdapterState, Health, ReportsHealth
from bots.platforms import AdapterFactory
from conversation import (
    BadInput,
    Choice,
    ConfigError,
    Engine,
    Message,
    Reply,
    ReplySink,
    Settings,
    SkillError,
)
from conversation.commands import SlashCommand, slash_commands
from conversation.limits import OverLimit
from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions
from skills.base import (
    BackgroundWork,
    HoldsDialogue,
    RecognisesRequests,
    Skill,
    SkillRequest,
    SkillResponse,
    Warms,
)
from skills.context import SkillContext, SkillFactory
from skills.function import skill
from skills.tools import Tool, tool

__all__ = [
    "LLM",
    "AdapterFactory",
    "AdapterState",
    "BackgroundWork",
    "BadInput",
    "ChatMessage",
    "Choice",
    "Completion",
    "ConfigError",
    "Engine",
    "GenerationOptions",
    "Health",
    "HoldsDialogue",
    "Message",
    "OverLimit",
    "PlatformAdapter",
    "RecognisesRequests",
    "Reply",
    "ReplySink",
    "ReportsHealth",
    "Settings",
    "Skill",
    "SkillContext",
    "SkillError",
    "SkillFactory",
    "SkillRequest",
    "SkillResponse",
    "SlashCommand",
    "Tool",
    "Warms",
    "skill",
    "slash_commands",
    "tool",
]
