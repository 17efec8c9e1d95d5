"""JSON -> HTML table in code: deterministic and escaped, so the model never touches the data."""

from __future__ import annotations

import json
from html import escape
from typing import Any

DEFAULT_TITLE = "Data"


def json_to_html_table(text: str) -> str | None:
    """An HTML title and table for tabular JSON, or None when the JSON is not a table.

    Tabular: a list of objects, an object holding one such list under a key (the key becomes the
    title, as in the course's ``{"restaurant employees": [...]}``), or a flat object (key/value rows).
    """
    try:
        data = json.loads(text)
    except ValueError:
        return None
    title = DEFAULT_TITLE
    if isinstance(data, dict) and len(data) == 1 and _is_records(next(iter(data.values()))):
        title, data = next(iter(data.items()))
    if _is_records(data):
        headers = list(dict.fromkeys(key for row in data for key in row))
        rows = [[row.get(key) for key in headers] for row in data]
    elif isinstance(data, dict) and data:
        headers, rows = ["key", "value"], [[key, value] for key, value in data.items()]
    else:
        return None
    return _render(str(title), headers, rows)


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(row, dict) for row in value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape(value)
    return escape(json.dumps(value, ensure_ascii=False))


def _render(title: str, headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (
        f"<h2>{escape(title)}</h2>\n<table>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )
