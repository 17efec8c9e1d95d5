"""Reply text -> Slack mrkdwn, and mrkdwn -> messages short enough to read and to post."""

from __future__ import annotations

import re
from collections.abc import Callable

from conversation import Reply
from skills.proofread import RedlineDiff, correction_text, redline_of, wrap_changes

MESSAGE_CHARS = 3_000
"""Longest message we post: Slack accepts 40,000 characters, but a section block takes 3,000 and
longer messages are collapsed behind "Show more" anyway."""

_FENCE = "```"
_CLOSE = "\n" + _FENCE
_REOPEN = _FENCE + "\n"
_CODE_BLOCK = re.compile(r"(```.*?(?:```|\Z))", re.DOTALL)
_INLINE_CODE = re.compile(r"(`[^`\n]+`)")
_LANGUAGE_TAG = re.compile(r"\A```[\w+#.-]+\n")
_ZERO_WIDTH_SPACE = "\u200b"
_REDLINE_MARKS = {"equal": "", "delete": "~", "insert": "*"}
_ATOM = re.compile(r"<[^<>\n]{1,500}>|&[a-z]{2,4};")
"""Spans a message must never be cut inside: a link or mention, an escaped character."""

_PROSE_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\[([^\]\n]+)\]\((\S+?)\)"), r"<\2|\1>"),
    (re.compile(r"^(\s*)[-*+] (?=\S)", re.MULTILINE), "\\1• "),
    (re.compile(r"^&gt; ?", re.MULTILINE), "> "),
    (re.compile(r"(?<![*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])"), r"_\1_"),
    (re.compile(r"\*\*(?!\s)(.+?)(?<!\s)\*\*"), r"*\1*"),
    (re.compile(r"(?<!\w)__(?!\s)(.+?)(?<!\s)__(?!\w)"), r"*\1*"),
    (re.compile(r"~~(?!\s)(.+?)(?<!\s)~~"), r"~\1~"),
    (
        re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE),
        lambda heading: "*" + heading.group(1).replace("*", "") + "*",
    ),
)
"""Markdown -> mrkdwn, applied in order to escaped text outside code: italic before bold and
headings last, so the ``*bold*`` they become is not read again as italic."""


def escape(text: str) -> str:
    """Escape the three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_for_slack(text: str) -> str:
    """Markdown as models write it -> Slack mrkdwn: bold, italic, strike, links, bullets, code kept."""
    parts = _CODE_BLOCK.split(text)
    rendered = [_render_code_block(part) if n % 2 else _render_prose(part) for n, part in enumerate(parts)]
    return "".join(rendered)


def render_reply(reply: Reply) -> str:
    """A reply as mrkdwn; system notices are marked so they do not read as the model's answer.

    A proofread correction is rendered from its redline, not from its Markdown text.
    """
    redline = redline_of(reply)
    if redline is not None:
        corrected, diff = redline
        text = correction_text(escape(corrected), render_redline_for_slack(diff))
    else:
        text = render_for_slack(reply.text)
    return f":warning: {text}" if reply.notice else text


def render_redline_for_slack(diff: RedlineDiff) -> str:
    """A redline as mrkdwn: ~deleted~ *inserted*, each line marked on its own, text escaped.

    Slack formats a marker only next to a non-letter, so a change glued to a word (a comma
    removed after it) is set off by a zero-width space.
    """
    pieces = [wrap_changes(escape(s["text"]), _REDLINE_MARKS[s["op"]]) for s in diff]
    text = ""
    for piece in pieces:
        if text and piece and _glued(text[-1], piece[0]):
            text += _ZERO_WIDTH_SPACE
        text += piece
    return text


def _glued(left: str, right: str) -> bool:
    """Whether a marker meets a letter or digit across this boundary."""
    marks = "~*"
    return (left in marks and right.isalnum()) or (left.isalnum() and right in marks)


def split_for_slack(text: str, limit: int = MESSAGE_CHARS) -> list[str]:
    """Cut ``text`` into messages of at most ``limit`` characters, at paragraph, line or word ends.

    Nothing is lost: the pieces join to ``text``, except that a code block cut in two is closed at
    the end of one piece and reopened at the start of the next.
    """
    if limit < 4 * len(_FENCE):
        raise ValueError(f"limit {limit} is too small to split code blocks")
    pieces: list[str] = []
    reopen = ""
    rest = text
    while len(reopen) + len(rest) > limit:
        cut = _cut_point(rest, limit - len(reopen))
        if (reopen + rest[:cut]).count(_FENCE) % 2:  # leave room to close the code block
            cut = _cut_point(rest, limit - len(reopen) - len(_CLOSE))
        piece = reopen + rest[:cut]
        rest = rest[cut:]
        inside_code = piece.count(_FENCE) % 2 == 1
        pieces.append(piece + _CLOSE if inside_code else piece)
        reopen = _REOPEN if inside_code else ""
    if rest or not pieces:
        pieces.append(reopen + rest)
    return pieces


def _render_code_block(block: str) -> str:
    """A fenced block keeps its text; only the language tag (shown literally by Slack) goes."""
    return escape(_LANGUAGE_TAG.sub(_FENCE + "\n", block, count=1))


def _render_prose(text: str) -> str:
    parts = _INLINE_CODE.split(text)
    return "".join(escape(part) if n % 2 else _convert(escape(part)) for n, part in enumerate(parts))


def _convert(text: str) -> str:
    for pattern, replacement in _PROSE_RULES:
        text = pattern.sub(replacement, text)
    return text


def _cut_point(text: str, budget: int) -> int:
    """Where to end a piece of at most ``budget`` characters.

    After a blank line, a line break or a space in the second half of the window, never inside a
    link or an escape; else a hard cut, moved before the link or escape it would split.
    """
    atoms = [match.span() for match in _ATOM.finditer(text, 0, budget + 500)]

    def atom_around(cut: int) -> tuple[int, int] | None:
        return next(((start, end) for start, end in atoms if start < cut < end), None)

    for separator in ("\n\n", "\n", " "):
        end = budget
        while (found := text.rfind(separator, budget // 2, end)) != -1:
            if atom_around(found + len(separator)) is None:
                return found + len(separator)
            end = found
    split = atom_around(budget)
    return split[0] if split is not None and split[0] > 0 else budget
