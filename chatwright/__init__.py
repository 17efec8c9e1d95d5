"""chatwright's public extension API: what skills and adapters may import (and nothing else).

Write a skill as a class (``name``, ``description``, ``async handle(request)``) or a function
(``@skill``), register its factory as an entry point in ``chatwright.skills``, and test it with
``chatwright.testing``. See docs/extending/first-skill.md.
"""

from conversation import ConfigError, Engine, Message, Reply, Settings, SkillError
from conversation.llm.base import LLM, ChatMessage, Completion, GenerationOptions
from skills.base import (
    BackgroundWork,
    HoldsDialogue,
    RecognisesRequests,
    Skill,
    SkillRequest,
    SkillResponse,
)
from skills.context import SkillContext, SkillFactory
from skills.function import skill
from skills.tools import Tool, tool

__all__ = [
    "LLM",
    "BackgroundWork",
    "ChatMessage",
    "Completion",
    "ConfigError",
    "Engine",
    "GenerationOptions",
    "HoldsDialogue",
    "Message",
    "RecognisesRequests",
    "Reply",
    "Settings",
    "Skill",
    "SkillContext",
    "SkillError",
    "SkillFactory",
    "SkillRequest",
    "SkillResponse",
    "Tool",
    "skill",
    "tool",
]
