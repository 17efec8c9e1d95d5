"""Prompt templates beside the skills (one TOML file per skill), and cleaning of model output.

Templates use the course's delimiters: ``` around user text, <> around names, ### around
reference material (the menu). Placeholders are ``str.format`` fields.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

_FENCE = re.compile(r"^```(?:[\w-]*[ \t]*\n)?(?P<body>.*?)\n?```$", re.DOTALL)


@cache
def _read(name: str) -> dict[str, Any]:
    text = files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_prompts(skill: str) -> dict[str, str]:
    """The templates of ``skill`` from ``skills/prompts/<skill>.toml`` (read once)."""
    return {key: value for key, value in _read(skill).items() if isinstance(value, str)}


def load_examples(name: str = "intents") -> dict[str, list[str]]:
    """The ``[examples]`` table of ``skills/prompts/<name>.toml``: labelled utterances per skill."""
    examples = _read(name).get("examples", {})
    return {skill: [str(text) for text in texts] for skill, texts in examples.items()}


def unwrap(output: str) -> str:
    """Model output without surrounding whitespace and a code fence the model may echo back."""
    text = output.strip()
    fenced = _FENCE.match(text)
    if fenced is not None:
        return fenced.group("body").strip()
    return text.strip("`").strip()
