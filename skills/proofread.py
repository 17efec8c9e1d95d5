"""proofread: the model corrects at temperature 0; code decides "No errors found" and builds the redline."""

from __future__ import annotations

import difflib
import re
from html import escape
from typing import Literal, TypedDict

from conversation.llm.base import ChatMessage, GenerationOptions
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.prompts import load_prompts, unwrap

NO_ERRORS = "No errors found"
_REWRITE = re.compile(r"^for\s+(?P<audience>[^:]+):\s*(?P<text>.+)$", re.IGNORECASE | re.DOTALL)
_ASKED = re.compile(r"^(?:please\s+)?proofread(?:\s+this|\s+my\s+text)?\s*:\s*", re.IGNORECASE)
"""A request phrased in words ("proofread this: ..."), as free text routed here by the classifier."""
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
_MARKDOWN = re.compile(r"[\\*_~`|]")
"""Characters that would start or end inline Markdown (Discord) inside a redline's text."""
_OPS = ("equal", "delete", "insert")
_STYLE_ONLY = (
    (re.compile("[\u2018\u2019]"), "'"),
    (re.compile(r"\b([Cc])an't\b"), r"\1annot"),
    (re.compile(r"\b([Ww])on't\b"), r"\1ill not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"\b(it|that|there|here|what|who|he|she)'s\b", re.IGNORECASE), r"\1 is"),
    (re.compile(r",(?=\s+(?:and|or)\b)"), ""),
)
"""Rewrites that are style, not corrections: contractions spelt out, a comma before "and"/"or"."""
USAGE = "Usage: /proofread <text> | /proofread for <audience or style>: <text>"


class RedlineSegment(TypedDict):
    """One run of a redline diff: unchanged, deleted from the original, or inserted."""

    op: Literal["equal", "delete", "insert"]
    text: str


RedlineDiff = list[RedlineSegment]


def redline(original: str, corrected: str) -> RedlineDiff:
    """A word-level diff: equal+delete runs rejoin to ``original``, equal+insert to ``corrected``."""
    before, after = _TOKENS.findall(original), _TOKENS.findall(corrected)
    diff: RedlineDiff = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(diff, "equal", "".join(before[i1:i2]))
            continue
        _append(diff, "delete", "".join(before[i1:i2]))
        _append(diff, "insert", "".join(after[j1:j2]))
    return diff


def render_redline_markdown(diff: RedlineDiff) -> str:
    """Markdown as Discord reads it: ~~deleted~~ **inserted**, markup characters in the text escaped.

    Markers go around each line's words (whitespace and line breaks stay outside them), so a
    change spanning lines still renders.
    """
    marks = {"equal": "", "delete": "~~", "insert": "**"}
    return "".join(wrap_changes(_MARKDOWN.sub(r"\\\g<0>", s["text"]), marks[s["op"]]) for s in diff)


def wrap_changes(text: str, mark: str) -> str:
    """``text`` with ``mark`` around the words of each of its lines (blank text left as it is)."""
    if not mark:
        return text
    return "".join(_wrap(line, mark) for line in text.splitlines(keepends=True))


def redline_of(reply: Reply) -> tuple[str, RedlineDiff] | None:
    """The corrected text and redline of a proofread reply that changed something, else None."""
    data = reply.data or {}
    corrected, diff = data.get("corrected"), data.get("diff")
    if reply.skill != ProofreadSkill.name or not isinstance(corrected, str) or not isinstance(diff, list):
        return None
    segments: RedlineDiff = [
        {"op": s["op"], "text": s["text"]}
        for s in diff
        if isinstance(s, dict) and s.get("op") in _OPS and isinstance(s.get("text"), str)
    ]
    if len(segments) != len(diff) or all(s["op"] == "equal" for s in segments):
        return None
    return corrected, segments


def correction_text(corrected: str, changes: str) -> str:
    """A correction as shown to people: the corrected text, then its rendered redline."""
    return f"{corrected}\n\nChanges: {changes}"


def render_redline_html(diff: RedlineDiff) -> str:
    """HTML for the web chat: <del>deleted</del> <ins>inserted</ins>, every text escaped."""
    tags = {"equal": "", "delete": "del", "insert": "ins"}
    parts = []
    for segment in diff:
        tag, text = tags[segment["op"]], escape(segment["text"])
        parts.append(f"<{tag}>{text}</{tag}>" if tag else text)
    return "".join(parts)


def same_text(a: str, b: str) -> bool:
    """Equal after whitespace normalisation, and up to style (contractions, a serial comma).

    A small model tends to spell out correct contractions and add Oxford commas; neither is
    an error, so such a rewrite is no correction.
    """
    return _plain_style(a).split() == _plain_style(b).split()


class ProofreadSkill:
    """Corrects spelling and grammar (or rewrites for an audience) and shows what changed."""

    name = "proofread"
    description = "Correct spelling and grammar and show a redline of the changes."

    def __init__(self, max_tokens: int = 768) -> None:
        self.max_tokens = max_tokens
        self.prompts = load_prompts("proofread")

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Ask the model for the corrected text; compare and diff in code."""
        text = _ASKED.sub("", request.text.strip())
        if not text:
            return SkillResponse([Reply(USAGE, skill=self.name, notice=True)])
        rewrite = _REWRITE.match(text)
        if rewrite is not None:
            text = rewrite.group("text").strip()
            system = self.prompts["rewrite_system"].format(audience=rewrite.group("audience").strip())
        else:
            system = self.prompts["proofread_system"]
        messages = [
            ChatMessage("system", system),
            ChatMessage("user", self.prompts["user"].format(text=text)),
        ]
        options = GenerationOptions(temperature=0.0, max_tokens=self.max_tokens)
        completion = await request.llm.complete(messages, options)
        corrected = unwrap(completion.text)
        if not corrected:
            reply = Reply(
                "Sorry, the model returned no text; please try again.", skill=self.name, notice=True
            )
        elif corrected.rstrip(".") == NO_ERRORS or same_text(corrected, text):
            diff: RedlineDiff = [{"op": "equal", "text": text}]
            reply = Reply(NO_ERRORS, skill=self.name, data={"corrected": text, "diff": diff})
        else:
            diff = redline(text, corrected)
            shown = correction_text(corrected, render_redline_markdown(diff))
            reply = Reply(shown, skill=self.name, data={"corrected": corrected, "diff": diff})
        return SkillResponse([reply], prompt=render_prompt(messages), completion=completion)


def _plain_style(text: str) -> str:
    for pattern, replacement in _STYLE_ONLY:
        text = pattern.sub(replacement, text)
    return text


def _append(diff: RedlineDiff, op: Literal["equal", "delete", "insert"], text: str) -> None:
    if not text:
        return
    if diff and diff[-1]["op"] == op:
        diff[-1]["text"] += text
    else:
        diff.append({"op": op, "text": text})


def _wrap(text: str, mark: str) -> str:
    if not mark or not text.strip():
        return text
    core = text.strip()
    start = text.index(core)
    return f"{text[:start]}{mark}{core}{mark}{text[start + len(core) :]}"
