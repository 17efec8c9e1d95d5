"""The registry: installed skills and adapters (entry points), chosen by the settings, built once.

Every skill, the shipped ones included, is an entry point in ``chatwright.skills`` naming a
factory (``SkillFactory``); every adapter one in ``chatwright.adapters``. The router built from
these skills then drives routing, /help, the classifier's examples and the platforms' command lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from conversation.errors import ConfigError
from conversation.settings import Settings
from skills.base import Skill
from skills.context import SkillContext, SkillFactory, SkillServices

SKILLS = "chatwright.skills"
ADAPTERS = "chatwright.adapters"


def installed(group: str) -> dict[str, Any]:
    """The objects the installed packages register in ``group``, by entry point name."""
    found: dict[str, Any] = {}
    values: dict[str, str] = {}
    for point in entry_points(group=group):
        if point.name in values and values[point.name] != point.value:
            twice = f"{values[point.name]}, {point.value}"
            raise ConfigError(f"{group}: {point.name!r} is registered twice ({twice})")
        values[point.name] = point.value
        try:
            found[point.name] = point.load()
        except ImportError as error:
            raise ConfigError(f"{group}: {point.name} = {point.value!r} fails to import ({error})") from None
    return found


def chosen_skills(
    settings: Settings, installed_skills: Mapping[str, SkillFactory]
) -> dict[str, SkillFactory]:
    """The installed skills ``skills_enabled`` / ``skills_disabled`` leave on; unknown names are errors."""
    named = {
        "skills_enabled": settings.skills_enabled or [],
        "skills_disabled": settings.skills_disabled,
        "skills": list(settings.skills),
    }
    for key, names in named.items():
        if unknown := [name for name in names if name not in installed_skills]:
            raise ConfigError(
                f"{key}: no installed skill {unknown[0]!r} (installed: {', '.join(sorted(installed_skills))})"
            )
    enabled = settings.skills_enabled
    return {
        name: factory
        for name, factory in installed_skills.items()
        if (enabled is None or name in enabled) and name not in settings.skills_disabled
    }


def build_skills(
    factories: Mapping[str, SkillFactory], services: SkillServices, fallback: str = "chat"
) -> dict[str, Skill]:
    """Each skill from its factory, the fallback last; a section the skill never read is an error."""
    skills: dict[str, Skill] = {}
    for name in sorted(factories, key=lambda name: name == fallback):
        context = SkillContext(name, services, skills)
        built = factories[name](context)
        if built.name != name:
            raise ConfigError(
                f"skills: the skill registered as {name!r} calls itself {built.name!r}; "
                "a skill's name must be the name it is registered under"
            )
        if services.settings.skills.get(name) and not context.config_read:
            raise ConfigError(f"skills.{name}: this skill takes no settings")
        skills[name] = built
    return skills
