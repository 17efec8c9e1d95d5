"""TranslateSkill: detect (lingua), translate to several targets, change tone, convert formats."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import product
from typing import Any

from lingua import Language

from conversation.llm.base import ChatMessage, Completion, GenerationOptions
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.prompts import load_prompts, unwrap
from skills.translate.checking import TranslationChecker, unsure_note
from skills.translate.languages import (
    DEFAULT_LANGUAGES,
    Detection,
    Detector,
    code_of,
    display_name,
    language_named,
)
from skills.translate.request import TranslateRequest, parse_follow_up, parse_request
from skills.translate.tables import json_to_html_table

_TONE = re.compile(r"^tone\s+(?P<tone>[^:]+):\s*(?P<text>.+)$", re.IGNORECASE | re.DOTALL)
_FORMAT = re.compile(r"^format\s+(?P<target>[^:]+):\s*(?P<text>.+)$", re.IGNORECASE | re.DOTALL)
_COMMAND = re.compile(r"^/(?P<name>[a-z][a-z0-9_-]*)\b\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
USAGE = (
    "Usage: /translate to <language>[, <language>...] [formal|informal]: <text> | "
    "/translate tone <style>: <text> | /translate format <html|...>: <data> | /translate <text>"
)


class TranslateSkill:
    """Translations at temperature 0; the language is detected offline, JSON tables rendered by code."""

    summary = "Translate text"
    usage = "[to <language>] <text>"

    name = "translate"
    description = "Detect a text's language, translate it, change its tone or convert its format."

    def __init__(
        self,
        languages: tuple[str, ...] = DEFAULT_LANGUAGES,
        team_languages: tuple[str, ...] = ("en",),
        max_tokens: int = 512,
        checker: TranslationChecker | None = None,
        check_drafts: bool = True,
    ) -> None:
        self.detector = Detector(languages)
        team = [language_named(code) for code in team_languages]
        if None in team or not team:
            raise ValueError(f"unknown team languages: {team_languages}")
        self.team_languages = [lang for lang in team if lang is not None]
        self.max_tokens = max_tokens
        self.prompts = load_prompts("translate")
        self.checker = checker or TranslationChecker()
        self.check_drafts = check_drafts
        """False: the model's first draft is sent unchecked (the baseline ``eval skills`` compares)."""

    def recognises(self, text: str) -> bool:
        """True for a translation request with its text, or a follow-up naming a language ("in German?")."""
        asked = parse_request(text)
        if asked is not None and asked.text:
            return True
        return parse_follow_up(text, need_preposition=True) is not None

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Dispatch on the form of the request; a bare text goes into the team's languages."""
        text = request.text.strip()
        if not text:
            return SkillResponse([Reply(USAGE, skill=self.name, notice=True)])
        if (tone := _TONE.match(text)) is not None:
            system = self.prompts["tone_system"].format(tone=tone.group("tone").strip())
            return await self._rewrite(
                request, system, tone.group("text").strip(), {"tone": tone.group("tone")}
            )
        if (fmt := _FORMAT.match(text)) is not None:
            return await self._convert(
                request, fmt.group("target").strip().lower(), fmt.group("text").strip()
            )
        asked = parse_request(text)
        if asked is not None and asked.unknown and not asked.targets:
            unknown = ", ".join(asked.unknown)
            return SkillResponse([Reply(f"Unknown language: {unknown}.", self.name, notice=True)])
        if asked is not None and asked.text:
            return await self._translate(request, asked)
        wanted = asked or parse_follow_up(text)
        if wanted is None:
            return await self._translate(request, TranslateRequest(text))
        previous = previous_request(request.history)
        if previous is None:
            return SkillResponse([Reply(_ask_for_text(wanted.targets), skill=self.name)])
        again = replace(
            previous,
            targets=wanted.targets or previous.targets,
            registers=wanted.registers or previous.registers,
        )
        return await self._translate(request, again)

    async def _translate(self, request: SkillRequest, asked: TranslateRequest) -> SkillResponse:
        detection = await self._detect(asked)
        wanted = asked.targets or tuple(self.team_languages)
        known = detection.language if detection is not None and detection.sure else None
        targets = [t for t in wanted if t != known]
        lines = []
        if known is not None and len(targets) < len(wanted):
            targets = targets or [t for t in self.team_languages if t != known]
            lines.append(_already_in(known, targets))
            if not targets:
                return SkillResponse([Reply(lines[0], skill=self.name, data=_detected(detection))])
        source = display_name(known) if known is not None else "the original language"
        source_code = code_of(detection.language) if detection is not None else "und"
        results: dict[str, str] = {}
        checks: dict[str, dict[str, Any]] = {}
        prompts: list[str] = []
        completion: Completion | None = None
        for target, register in product(targets, asked.registers or ("",)):
            system = self.prompts["translate_system"].format(
                source=source,
                target=display_name(target),
                register=self.prompts[f"register_{register}"] if register else "",
            )

            async def translate(keep: str, temperature: float, system: str = system) -> str:
                nonlocal completion
                hint = self.prompts["keep"].format(items=keep) if keep else ""
                output, completion, prompt = await self._ask(request, system + hint, asked.text, temperature)
                prompts.append(prompt)
                return output

            key = f"{code_of(target)}-{register}" if len(asked.registers) > 1 else code_of(target)
            label = f"{display_name(target)} ({register})" if register else display_name(target)
            if not self.check_drafts:
                results[key] = await translate("", 0.0)
                lines.append(f"{_source_label(detection)} \u2192 {label}: {results[key]}")
                continue
            back_system = self.prompts["translate_system"].format(
                source=display_name(target), target=source if known is not None else "English", register=""
            )

            async def back(output: str, back_system: str = back_system) -> str:
                return (await self._ask(request, back_system, output, 0.0))[0]

            checked = await self.checker.translate(asked.text, source_code, code_of(target), translate, back)
            results[key] = checked.best.text
            checks[key] = {
                "sure": checked.sure,
                "problems": list(checked.best.problems),
                "similarity": round(checked.best.similarity, 3),
                "candidates": checked.tried,
            }
            if not checked.sure:
                label = f"{label}, unsure ({unsure_note(checked.best)})"
            lines.append(f"{_source_label(detection)} \u2192 {label}: {results[key]}")
        data = {**_detected(detection), "translations": results}
        if checks:
            data["checks"] = checks
        return SkillResponse(
            [Reply("\n".join(lines), skill=self.name, data=data)],
            prompt="\n\n".join(prompts),
            completion=completion,
        )

    async def _detect(self, asked: TranslateRequest) -> Detection | None:
        """The named source language, else the detector's verdict (run off the event loop)."""
        if asked.source is not None:
            return Detection(asked.source, 1.0)
        return await asyncio.to_thread(self.detector.assess, asked.text)

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

    async def _ask(
        self, request: SkillRequest, system: str, text: str, temperature: float = 0.0
    ) -> tuple[str, Completion, str]:
        messages = [
            ChatMessage("system", system),
            ChatMessage("user", self.prompts["user"].format(text=text)),
        ]
        options = GenerationOptions(temperature=temperature, max_tokens=self.max_tokens)
        completion = await request.llm.complete(messages, options)
        return unwrap(completion.text), completion, render_prompt(messages)


def previous_request(history: Sequence[ChatMessage]) -> TranslateRequest | None:
    """The latest earlier user turn that asked for a translation of a text, parsed again."""
    for message in reversed(history):
        if message.role != "user":
            continue
        text, command = message.content.strip(), _COMMAND.match(message.content.strip())
        if command is not None and command.group("name").lower() != TranslateSkill.name:
            continue
        if command is not None:
            text = command.group("rest").strip()
        if _TONE.match(text) or _FORMAT.match(text):
            continue
        asked = parse_request(text)
        if asked is not None and asked.text:
            return asked
        if command is not None and asked is None and text and parse_follow_up(text) is None:
            return TranslateRequest(text)
    return None


def _source_label(detection: Detection | None) -> str:
    if detection is None:
        return "Unknown language"
    name = display_name(detection.language)
    return name if detection.sure else f"{name} (detection unsure)"


def _detected(detection: Detection | None) -> dict[str, Any]:
    if detection is None:
        return {"detected": None, "sure": False}
    return {"detected": code_of(detection.language), "sure": detection.sure}


def _already_in(language: Language, others: Sequence[Language]) -> str:
    name = display_name(language)
    if not others:
        return f'The text is already in {name}; name another language for it (e.g. "and into French?").'
    return f"The text is already in {name}; here it is in {', '.join(map(display_name, others))}."


def _ask_for_text(targets: Sequence[Language]) -> str:
    into = f" into {', '.join(map(display_name, targets))}" if targets else ""
    example = display_name(targets[0]) if targets else "French"
    return f'What should I translate{into}? Send the text, e.g. "Translate to {example}: <text>".'
