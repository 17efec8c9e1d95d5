"""Answers as HTML for the page: CommonMark and tables by markdown-it-py, with raw HTML escaped.

An answer is model output: HTML in it is shown as text, never run; ``javascript:`` and similar
links are refused by markdown-it's link check; every link opens in a new tab with
``rel="noopener noreferrer"``.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict


def _link_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    token.attrSet("rel", "noopener noreferrer")
    token.attrSet("target", "_blank")
    return renderer.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["table", "strikethrough"])
    parser.add_render_rule("link_open", _link_open)
    return parser


_MARKDOWN = _parser()


def render_markdown(text: str) -> str:
    """``text`` (Markdown) as safe HTML: raw HTML escaped, links with ``rel="noopener"``."""
    html: str = _MARKDOWN.render(text)
    return html
