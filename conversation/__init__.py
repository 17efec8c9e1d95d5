"""The conversation engine and the platform-neutral types adapters speak.

The engine's names load on first use (PEP 562): the engine imports the skill interface, which
imports this package's types, so importing the types must not import the engine.
``conversation.assembly.build_engine`` wires the engine to the skills.
"""

from typing import TYPE_CHECKING

from conversation.delivery import ReplySink
from conversation.errors import BackendUnavailable, BadInput, ChatwrightError, ConfigError, SkillError
from conversation.settings import Settings, load_settings
from conversation.types import Choice, Message, Reply, Scope

if TYPE_CHECKING:
    from conversation.engine import Engine, EngineLimits, Submission

_ENGINE_NAMES = frozenset({"Engine", "EngineLimits", "Submission"})

__all__ = [
    "BackendUnavailable",
    "BadInput",
    "ChatwrightError",
    "Choice",
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


def __getattr__(name: str) -> object:
    """``Engine``, ``EngineLimits`` and ``Submission``, from ``conversation.engine`` when first asked for."""
    if name in _ENGINE_NAMES:
        from conversation import engine  # noqa: PLC0415 - see the module docstring

        return getattr(engine, name)
    raise AttributeError(f"module 'conversation' has no attribute {name!r}")
