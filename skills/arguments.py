"""Typed command arguments: ``/status 123`` read into a pydantic model, in the order of its fields."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from conversation.errors import SkillError

Arguments = TypeVar("Arguments", bound=BaseModel)


def usage_of(model: type[BaseModel]) -> str:
    """The arguments as a usage hint: ``<order_id> [note]`` (optional ones in brackets)."""
    return " ".join(
        f"<{name}>" if field.is_required() else f"[{name}]" for name, field in model.model_fields.items()
    )


def parse_arguments(model: type[Arguments], text: str, command: str) -> Arguments:
    """One word per field, the last taking the rest; a SkillError with the usage when they do not fit."""
    names = list(model.model_fields)
    words = text.split(maxsplit=max(len(names) - 1, 0))
    values = dict(zip(names, words, strict=False))
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        usage = f"/{command} {usage_of(model)}".rstrip()
        raise SkillError(f"Usage: {usage} ({where}: {first['msg'].lower()})") from None
