"""proofread: the model drafts a correction at temperature 0; code checks it and builds the redline.

The draft's changes compete with a spelling pass and confusion sets, ranked by the model's
log-probability, and the result gets a second pass (``skills.corrections``). "No errors found" is
said only when that second look agrees and the dictionary knows every word.
"""

from __future__ import annotations

import difflib
import re
from html import escape
from typing import Literal, TypedDict

from conversation.llm.base import ChatMessage, Completion, GenerationOptions
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse, render_prompt
from skills.corrections.checking import CheckedCorrection, check_correction
from skills.prompts import load_prompts, unwrap
from skills.proofread_request import asks_for_proofreading, split_request

NO_ERRORS = "No errors found"
NO_CORRECTIONS = "I found nothing to correct, but the dictionary does not know"
_REWRITE = re.compile(r"^for\s+(?P<audience>[^:]+):\s*(?P<text>.+)$", re.IGNORECASE | re.DOTALL)
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
_PLAIN_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
USAGE = "Usage: /proofread <text> | /proofread for <audience or style>: <text>"
ASK_FOR_TEXT = 'Send the text to proofread after your request, e.g. "Please proofread: <text>".'


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


def without_trivial_changes(original: str, corrected: str) -> str:
    """``corrected`` with the model's changes that are no correction undone.

    Whitespace, curly versus straight quotes, a final period added and a capitalised first letter
    keep the original's form, so neither "No errors found" nor the redline depends on them.
    """
    before, after = _TOKENS.findall(original), _TOKENS.findall(corrected)
    matcher = difflib.SequenceMatcher(
        None, [_trivial_form(t) for t in before], [_trivial_form(t) for t in after], autojunk=False
    )
    kept = [
        "".join(before[i1:i2] if tag == "equal" else after[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    text = "".join(kept)
    if original[:1].islower() and text[:1] == original[:1].upper():
        text = original[:1] + text[1:]
    if not original.endswith(".") and text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text


def same_text(a: str, b: str) -> bool:
    """Equal after whitespace normalisation, and up to style (contractions, a serial comma).

    A small model tends to spell out correct contractions and add Oxford commas; neither is
    an error, so such a rewrite is no correction.
    """
    return _plain_style(a).split() == _plain_style(b).split()


class ProofreadSkill:
    """Corrects spelling and grammar (or rewrites for an audience) and shows what changed."""

    summary = "Correct spelling and grammar, with a redline"
    usage = "<text>"

    name = "proofread"
    description = "Correct spelling and grammar and show a redline of the changes."

    def __init__(self, max_tokens: int = 768, check_drafts: bool = True) -> None:
        self.max_tokens = max_tokens
        self.check_drafts = check_drafts
        """False: the model's first draft is sent unchecked (the baseline ``eval skills`` compares)."""
        self.prompts = load_prompts("proofread")

    def recognises(self, text: str) -> bool:
        """True when ``text`` plainly asks for proofreading (grammar, spelling, typos)."""
        return asks_for_proofreading(text)

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Split off the request's wording, ask the model for the corrected text; compare and diff in code."""
        text = request.text.strip()
        asked = split_request(text)
        if asked is not None:
            text = asked.text
        if not text:
            notice = ASK_FOR_TEXT if asked is not None else USAGE
            return SkillResponse([Reply(notice, skill=self.name, notice=True)])
        rewrite = _REWRITE.match(text)
        if rewrite is not None:
            text = rewrite.group("text").strip()
            system = self.prompts["rewrite_system"].format(audience=rewrite.group("audience").strip())
            messages, completion = await self._draft(request, system, text)
            reply = self._reply(text, unwrap(completion.text))
            return SkillResponse([reply], prompt=render_prompt(messages), completion=completion)
        system = self.prompts["proofread_system"]
        messages, completion = await self._draft(request, system, text)
        output = unwrap(completion.text)
        if not output or not self.check_drafts:
            return SkillResponse(
                [self._reply(text, output)], prompt=render_prompt(messages), completion=completion
            )
        first = output

        async def draft(current: str) -> str:
            found = (
                first if current == text else unwrap((await self._draft(request, system, current))[1].text)
            )
            return current if found.rstrip(".") == NO_ERRORS else without_trivial_changes(current, found)

        checked = await check_correction(text, draft, request.llm, self.prompts["scoring_context"])
        reply = self._checked_reply(text, checked)
        return SkillResponse([reply], prompt=render_prompt(messages), completion=completion)

    async def _draft(
        self, request: SkillRequest, system: str, text: str
    ) -> tuple[list[ChatMessage], Completion]:
        messages = [
            ChatMessage("system", system),
            ChatMessage("user", self.prompts["user"].format(text=text)),
        ]
        options = GenerationOptions(temperature=0.0, max_tokens=self.max_tokens)
        return messages, await request.llm.complete(messages, options)

    def _checked_reply(self, text: str, checked: CheckedCorrection) -> Reply:
        """A checked correction and its redline; "No errors found" only when nothing changed or is unknown."""
        if same_text(checked.corrected, text):
            if checked.unknown:
                words = ", ".join(f"'{word}'" for word in dict.fromkeys(checked.unknown))
                shown = f"{NO_CORRECTIONS} {words}."
                return Reply(shown, skill=self.name, data={"corrected": text, "diff": _unchanged(text)})
            return Reply(NO_ERRORS, skill=self.name, data={"corrected": text, "diff": _unchanged(text)})
        diff = redline(text, checked.corrected)
        shown = correction_text(checked.corrected, render_redline_markdown(diff))
        return Reply(shown, skill=self.name, data={"corrected": checked.corrected, "diff": diff})

    def _reply(self, text: str, output: str) -> Reply:
        """The model's output as a correction with its redline, "No errors found", or a notice."""
        if not output:
            return Reply("Sorry, the model returned no text; please try again.", skill=self.name, notice=True)
        corrected = without_trivial_changes(text, output)
        if output.rstrip(".") == NO_ERRORS or same_text(corrected, text):
            return Reply(NO_ERRORS, skill=self.name, data={"corrected": text, "diff": _unchanged(text)})
        diff = redline(text, corrected)
        shown = correction_text(corrected, render_redline_markdown(diff))
        return Reply(shown, skill=self.name, data={"corrected": corrected, "diff": diff})


def _unchanged(text: str) -> RedlineDiff:
    return [{"op": "equal", "text": text}]


def _plain_style(text: str) -> str:
    for pattern, replacement in _STYLE_ONLY:
        text = pattern.sub(replacement, text)
    return text


def _trivial_form(token: str) -> str:
    return " " if token.isspace() else token.translate(_PLAIN_QUOTES)


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
