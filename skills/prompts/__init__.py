"""Prompt templates beside the skills (one TOML file per skill), and cleaning of model output.

Templates use the course's delimiters: ``` around user text, <> around names, ### around
reference material (the menu). Placeholders are ``str.format`` fields.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.resources import files

_FENCE = re.compile(r"^```(?:[\w-]*[ \t]*\n)?(?P<body>.*?)\n?```$", re.DOTALL)


@cache
def load_prompts(skill: str) -> dict[str, str]:
    """The templates of ``skill`` from ``skills/prompts/<skill>.toml`` (read once)."""
    text = files(__package__).joinpath(f"{skill}.toml").read_text(encoding="utf-8")
    return {key: str(value) for key, value in tomllib.loads(text).items()}


def unwrap(output: str) -> str:
    """Model output without surrounding whitespace and a code fence the model may echo back."""
    text = output.strip()
    fenced = _FENCE.match(text)
    if fenced is not None:
        return fenced.group("body").strip()
    return text.strip("`").strip()
