"""The configuration reference in Markdown, made from ``Settings``: key, type, default, variable, meaning.

The user guide's configuration page is rendered from this at build time (``make docs``), so a key
added to ``Settings`` is documented by its docstring the moment it exists. ``python -m
conversation.settings_reference`` prints the page.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode

from conversation.settings import Settings

ENV_PREFIX = "CHATWRIGHT_"
_LONGEST_DEFAULT = 48

# Sections of the page, by key prefix or exact key; a key matching none lands in "Other".
_SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("Storage and server", ("data_dir", "cache_dir", "database_url", "host", "port")),
    (
        "Model",
        ("model", "openai_", "llm_", "context_window", "kv_cache_mb", "max_reply_tokens"),
    ),
    (
        "Conversations and routing",
        ("history_tokens", "persona", "intent_", "max_message_chars", "retry_after_s", "max_attempts"),
    ),
    (
        "Skills",
        (
            "skills",
            "skills_",
            "order_",
            "detect_languages",
            "team_languages",
            "reply_",
            "customer_service_contact",
        ),
    ),
    ("Documents (/ask)", ("docs_",)),
    ("Web chat and per-user limits", ("web_", "user_", "scope_max_queued")),
    ("Slack", ("slack_",)),
    ("Discord", ("discord_",)),
    ("Several processes", ("scope_lease_s", "poll_s")),
    ("Administration", ("admins",)),
    ("Training", ("training_",)),
]


def env_name(key: str) -> str:
    """The environment variable that sets ``key``."""
    return ENV_PREFIX + key.upper()


def field_docs(settings_cls: type[BaseSettings]) -> dict[str, str]:
    """Each field's docstring (the string right under its declaration), through the class's bases."""
    docs: dict[str, str] = {}
    for cls in reversed(settings_cls.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseSettings)) or cls is BaseSettings:
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in zip(body, [*body[1:], None], strict=True):
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            if (text := _string(after)) is not None:
                docs[node.target.id] = " ".join(text.split())
    return docs


def _string(node: ast.stmt | None) -> str | None:
    """The string a bare string statement holds (a docstring), else None."""
    if (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ):
        return node.value.value
    return None


def meaning(key: str, field: FieldInfo, docs: dict[str, str]) -> str:
    """One line saying what ``key`` does: its description, else its docstring."""
    return " ".join((field.description or docs.get(key) or "").split())


def type_name(annotation: Any) -> str:
    """A reader's name for a field's type: "integer", "list of strings", "one of `a`, `b`"."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return type_name(args[0])
    if origin in (Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        named = " or ".join(type_name(arg) for arg in present)
        return f"{named} (optional)" if len(present) < len(args) else named
    if origin is Literal:
        return "one of " + ", ".join(f"`{value}`" for value in args)
    if origin is list:
        return f"list of {_plural(type_name(args[0]))}"
    if origin is dict:
        values = "table" if get_origin(args[1]) is dict else type_name(args[1])
        return (
            f"table whose values are {values}"
            if values.startswith("one of")
            else f"table of {_plural(values)}"
        )
    names: dict[Any, str] = {
        Any: "value",
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        Path: "path",
        SecretStr: "secret",
    }
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _plural(name: str) -> str:
    return name if name.startswith("one of") or name.endswith("s") else f"{name}s"


def constraints(field: FieldInfo) -> str:
    """The field's bounds as "≥ 0, ≤ 2", its pattern, or an empty string."""
    shown: list[str] = []
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            shown.append(f"≥ {rule.ge}")
        elif isinstance(rule, annotated_types.Gt):
            shown.append(f"> {rule.gt}")
        elif isinstance(rule, annotated_types.Le):
            shown.append(f"≤ {rule.le}")
        elif isinstance(rule, annotated_types.Lt):
            shown.append(f"< {rule.lt}")
        elif isinstance(rule, annotated_types.MinLen):
            shown.append(f"at least {rule.min_length}")
        elif (pattern := getattr(rule, "pattern", None)) is not None:
            shown.append(f"matching `{pattern}`")
    return ", ".join(shown)


def default_text(field: FieldInfo) -> str:
    """The default as it would be written in chatwright.toml, shortened when long."""
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path):
        value = str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and len(text) > _LONGEST_DEFAULT:
        return f"“{text[:_LONGEST_DEFAULT].rstrip()}…”"
    return f"`{text}`"


def section_of(key: str) -> str:
    """The page section ``key`` is listed under."""
    for title, prefixes in _SECTIONS:
        if any(key == prefix or (prefix.endswith("_") and key.startswith(prefix)) for prefix in prefixes):
            return title
    return "Other"


def rows(settings_cls: type[BaseSettings] = Settings) -> Iterator[tuple[str, str, str, str, str]]:
    """(key, type, default, variable, meaning) for every field, in declaration order."""
    docs = field_docs(settings_cls)
    for key, field in settings_cls.model_fields.items():
        kind = type_name(field.annotation)
        if NoDecode in field.metadata:
            kind += ", comma-separated in the variable"
        bounds = constraints(field)
        yield (
            key,
            f"{kind}, {bounds}" if bounds else kind,
            default_text(field),
            env_name(key),
            meaning(key, field, docs),
        )


def render_reference(settings_cls: type[BaseSettings] = Settings) -> str:
    """The whole configuration page in Markdown."""
    by_section: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for row in rows(settings_cls):
        by_section.setdefault(section_of(row[0]), []).append(row)
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from conversation/settings.py by conversation/settings_reference.py "
        "at every docs build: edit the docstrings there, not this page. -->",
        "",
        "chatwright reads one typed settings object at start-up: `chatwright.toml` in the working",
        "directory (or the file named by `CHATWRIGHT_CONFIG`), then `CHATWRIGHT_*` environment",
        "variables, which win. Lists and tables are given as JSON in a variable",
        '(`CHATWRIGHT_TEAM_LANGUAGES=\'["en", "de"]\'`) unless the type says comma-separated',
        "(`CHATWRIGHT_ADMINS=slack:U0123,web:alice`). A bad value stops start-up with one line",
        "naming the key:",
        "`chatwright: port: Input should be a valid integer (got 'eighty')`; secrets are never echoed.",
        "",
        "```toml",
        "# chatwright.toml",
        'model = "smollm2-135m"',
        "port = 8080",
        'persona = "You are Pip, the cheerful helper of the Acme support team."',
        "```",
        "",
        f"{sum(len(group) for group in by_section.values())} keys, in "
        f"{len(by_section)} groups. The first column is the key in `chatwright.toml`; the environment "
        "variable follows each meaning.",
    ]
    order = [title for title, _ in _SECTIONS] + ["Other"]
    for title in sorted(by_section, key=order.index):
        lines += ["", f"## {title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for key, kind, default, variable, text in by_section[title]:
            anchored = f'<a id="{key}"></a>`{key}`'
            lines.append(f"| {anchored} | {kind} | {default} | {_cell(text)}<br>`{variable}` |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes, and markup outside `code`, escaped."""
    if not text:
        return "—"
    parts = text.split("`")
    for index in range(0, len(parts), 2):  # the even parts are outside code spans
        for raw, escaped in (("<", "&lt;"), (">", "&gt;"), ("*", "\\*"), ("|", "\\|")):
            parts[index] = parts[index].replace(raw, escaped)
    return "`".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Print the page, or write it to the path given."""
    args = sys.argv[1:] if argv is None else argv
    page = render_reference()
    if args:
        Path(args[0]).write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
