"""The conversation engine and the platform-neutral types adapters speak.

``conversation.assembly.build_engine`` wires it to the skills; it is not imported here, so that
skills can import ``conversation`` without a cycle.
"""

from conversation.delivery import ReplySink
from conversation.engine import Engine, EngineLimits, Submission
from conversation.errors import BackendUnavailable, BadInput, ChatwrightError, ConfigError, SkillError
from conversation.settings import Settings, load_settings
from conversation.types import Message, Reply, Scope

__all__ = [
    "BackendUnavailable",
    "BadInput",
    "ChatwrightError",
    "ConfigError",
    "Engine",
    "EngineLimits",
    "Message",
    "Reply",
    "ReplySink",
    "Scope",
    "Settings",
    "SkillError",
    "Submission",
    "load_settings",
]
