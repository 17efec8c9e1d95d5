"""What a skill gets when it is built: its own settings, storage, an HTTP client, the model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from conversation.errors import ConfigError
from conversation.llm.base import LLM
from conversation.settings import Settings
from skills.base import Skill
from storage.skill_data import SkillData

Config = TypeVar("Config", bound=BaseModel)


@dataclass(slots=True)
class SkillServices:
    """What every skill's context shares; started and stopped with the engine (``BackgroundWork``)."""

    settings: Settings
    database: sa.Engine
    llm: LLM
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30.0))

    async def start(self) -> None:
        """Nothing to start: the HTTP client connects on first use."""

    async def aclose(self) -> None:
        """Close the HTTP client's connections."""
        await self.http.aclose()


class SkillContext:
    """One skill's view of the bot, handed to its factory (entry point ``chatwright.skills``)."""

    def __init__(self, name: str, services: SkillServices, skills: Mapping[str, Skill]) -> None:
        """``skills`` are those built before this one (the fallback, chat, is built last)."""
        self.name = name
        self.services = services
        self.skills = skills
        self.storage = SkillData(services.database, name)
        """Key-value storage per user, of this skill only, in chatwright's database."""
        self.config_read = False

    @property
    def settings(self) -> Settings:
        """The bot's settings (read-only by convention; a skill's own are in ``config``)."""
        return self.services.settings

    @property
    def llm(self) -> LLM:
        """The model the bot answers with (also in every ``SkillRequest``)."""
        return self.services.llm

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared HTTP client, closed when the engine stops."""
        return self.services.http

    def config(self, model: type[Config]) -> Config:
        """The skill's section (``[skills.<name>]``, ``CHATWRIGHT_SKILLS__<NAME>__<KEY>``) as ``model``.

        An unknown key or a bad value is a ConfigError naming ``skills.<name>.<key>``.
        """
        self.config_read = True
        section = self.settings.skills.get(self.name, {})
        if unknown := sorted(set(section) - set(model.model_fields)):
            raise ConfigError(f"skills.{self.name}.{unknown[0]}: no such setting")
        try:
            return model.model_validate(section)
        except ValidationError as error:
            first = error.errors()[0]
            key = ".".join(str(part) for part in first["loc"])
            problem = f"{first['msg']} (got {first.get('input')!r})"
            raise ConfigError(f"skills.{self.name}.{key}: {problem}") from None


SkillFactory = Callable[[SkillContext], Skill]
"""What a ``chatwright.skills`` entry point names: a skill class, a function, a ``@skill``."""
