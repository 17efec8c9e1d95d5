"""TranslateSkill: detect (lingua), translate to several targets, change tone, convert formats."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from lingua import Language

from conversation.llm.base import ChatMessage, Completion, GenerationOptions
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.prompts import load_prompts, unwrap
from skills.translate.languages import DEFAULT_LANGUAGES, Detector, code_of, display_name, language_named
from skills.translate.tables import json_to_html_table

_TO = re.compile(
    r"^(?:(?:please\s+)?translate\s+(?:this\s+|it\s+)?(?:in)?)?to\s+(?P<targets>[^:]+?)(?:\s+(?P<register>formal|informal))?\s*:\s*(?P<text>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_TONE = re.compile(r"^tone\s+(?P<tone>[^:]+):\s*(?P<text>.+)$", re.IGNORECASE | re.DOTALL)
_FORMAT = re.compile(r"^format\s+(?P<target>[^:]+):\s*(?P<text>.+)$", re.IGNORECASE | re.DOTALL)
_TARGET_SEPARATOR = re.compile(r"\s*(?:,|\band\b)\s*", re.IGNORECASE)
USAGE = (
    "Usage: /translate to <language>[, <language>...] [formal|informal]: <text> | "
    "/translate tone <style>: <text> | /translate format <html|...>: <data> | /translate <text>"
)


class TranslateSkill:
    """Translations at temperature 0; the language is detected offline, JSON tables rendered by code."""

    name = "translate"
    description = "Detect a text's language, translate it, change its tone or convert its format."

    def __init__(
        self,
        languages: tuple[str, ...] = DEFAULT_LANGUAGES,
        team_languages: tuple[str, ...] = ("en",),
        max_tokens: int = 512,
    ) -> None:
        self.detector = Detector(languages)
        team = [language_named(code) for code in team_languages]
        if None in team or not team:
            raise ValueError(f"unknown team languages: {team_languages}")
        self.team_languages = [lang for lang in team if lang is not None]
        self.max_tokens = max_tokens
        self.prompts = load_prompts("translate")

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Dispatch on the form of the command; without one, translate into the team's languages."""
        text = request.text.strip()
        if not text:
            return SkillResponse([Reply(USAGE, skill=self.name, notice=True)])
        if (to := _TO.match(text)) is not None:
            names = [n for n in _TARGET_SEPARATOR.split(to.group("targets")) if n]
            targets = [language_named(n) for n in names]
            unknown = [n for n, lang in zip(names, targets, strict=True) if lang is None]
            if unknown or not targets:
                return SkillResponse(
                    [Reply(f"Unknown language: {', '.join(unknown)}.", self.name, notice=True)]
                )
            register = (to.group("register") or "").lower()
            return await self._translate(request, to.group("text").strip(), targets, register)
        if (tone := _TONE.match(text)) is not None:
            system = self.prompts["tone_system"].format(tone=tone.group("tone").strip())
            return await self._rewrite(
                request, system, tone.group("text").strip(), {"tone": tone.group("tone")}
            )
        if (fmt := _FORMAT.match(text)) is not None:
            return await self._convert(
                request, fmt.group("target").strip().lower(), fmt.group("text").strip()
            )
        return await self._translate(request, text, self.team_languages, "")

    async def _translate(
        self, request: SkillRequest, text: str, targets: Sequence[Language | None], register: str
    ) -> SkillResponse:
        detected = await asyncio.to_thread(self.detector.detect, text)
        source = display_name(detected) if detected else "the original language"
        results: list[tuple[Language, str]] = []
        prompts: list[str] = []
        completion: Completion | None = None
        for target in dict.fromkeys(t for t in targets if t is not None and t != detected):
            system = self.prompts["translate_system"].format(
                source=source,
                target=display_name(target),
                register=self.prompts[f"register_{register}"] if register else "",
            )
            output, completion, prompt = await self._ask(request, system, text)
            results.append((target, output))
            prompts.append(prompt)
        lines = [f"Detected: {source}", *(f"{display_name(lang)}: {out}" for lang, out in results)]
        translations = {code_of(lang): out for lang, out in results}
        data = {"detected": code_of(detected) if detected else None, "translations": translations}
        return SkillResponse(
            [Reply("\n".join(lines), skill=self.name, data=data)],
            prompt="\n\n".join(prompts),
            completion=completion,
        )

    async def _rewrite(
        self, request: SkillRequest, system: str, text: str, extra: dict[str, Any]
    ) -> SkillResponse:
        detected = await asyncio.to_thread(self.detector.detect, text)
        output, completion, prompt = await self._ask(request, system, text)
        data = {"detected": code_of(detected) if detected else None, "text": output, **extra}
        return SkillResponse(
            [Reply(output, skill=self.name, data=data)], prompt=prompt, completion=completion
        )

    async def _convert(self, request: SkillRequest, target: str, text: str) -> SkillResponse:
        if target == "html":
            table = json_to_html_table(text)
            if table is not None:
                data = {"format": "html", "html": table}
                return SkillResponse([Reply(f"```html\n{table}\n```", skill=self.name, data=data)])
        system = self.prompts["format_system"].format(target=target)
        return await self._rewrite(request, system, text, {"format": target})

    async def _ask(self, request: SkillRequest, system: str, text: str) -> tuple[str, Completion, str]:
        messages = [
            ChatMessage("system", system),
            ChatMessage("user", self.prompts["user"].format(text=text)),
        ]
        options = GenerationOptions(temperature=0.0, max_tokens=self.max_tokens)
        completion = await request.llm.complete(messages, options)
        return unwrap(completion.text), completion, render_prompt(messages)
