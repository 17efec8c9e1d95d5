"""``chatwright chat --jsonl``: one reply line per request, clear error lines, nothing lost."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

from bots.jsonl import serve_jsonl
from conversation import Engine


async def run_lines(engine: Engine, *lines: bytes) -> list[dict[str, Any]]:
    out = io.StringIO()
    await serve_jsonl(engine, io.BytesIO(b"\n".join(lines) + b"\n"), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def request(**fields: str) -> bytes:
    return json.dumps(fields).encode()


async def test_each_request_gets_one_reply_line_with_its_fields(engine: Engine) -> None:
    records = await run_lines(
        engine,
        request(user="ann", text="hello", event_id="1"),
        request(user="bob", channel="ops", thread="t1", text="hi", event_id="2"),
    )

    assert sorted(records, key=lambda r: r["event_id"]) == [
        {
            "event_id": "1",
            "user": "ann",
            "channel": "dm",
            "skill": "chat",
            "text": "echo: hello",
            "data": None,
            "notice": False,
        },
        {
            "event_id": "2",
            "user": "bob",
            "channel": "ops",
            "skill": "chat",
            "text": "echo: hi",
            "data": None,
            "notice": False,
        },
    ]


async def test_a_repeated_event_id_yields_no_second_reply(engine: Engine) -> None:
    records = await run_lines(
        engine,
        request(user="ann", text="hello", event_id="same"),
        request(user="ann", text="hello", event_id="same"),
    )

    assert [r["event_id"] for r in records] == ["same"]


async def test_bad_lines_get_a_clear_error_and_the_rest_is_answered(engine: Engine) -> None:
    records = await run_lines(
        engine,
        b"{not json",
        b"\xff\xfe binary \x00",
        b'["a", "list"]',
        request(user="ann", text=""),
        request(user="ann", text="x" * 100_000),
        request(user="ann", text="hi", colour="blue"),
        b'{"user": 5, "text": "hi"}',
        request(text="who am I?"),
        request(user="ann", text="still answered", event_id="ok"),
    )

    errors = [r["error"] for r in records if "error" in r]
    assert errors == [
        "line 1: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        "line 2: not valid UTF-8 (byte 0)",
        "line 3: expected a JSON object",
        "The message is empty.",
        "The message is 100,000 characters long; the limit is 20,000.",
        "line 6: unknown field(s) colour",
        "line 7: field 'user' must be a string",
        "line 8: field 'user' is required",
    ]
    assert [r["line"] for r in records if "error" in r] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [r["text"] for r in records if "error" not in r] == ["echo: still answered"]


def test_reply_lines_survive_llama_cpp_silencing_stdout_while_a_model_loads() -> None:
    # llama-cpp-python points descriptors 1 and 2 at /dev/null while it loads a model (verbose off):
    # a burst lost the replies code wrote meanwhile. The CLI writes them on a descriptor of its own.
    script = (
        "import sys\n"
        "from llama_cpp._utils import suppress_stdout_stderr\n"
        "from bots.cli import _own_stdout\n"
        "out = _own_stdout()\n"
        "with suppress_stdout_stderr(disable=False):\n"
        "    out.write('kept\\n'); out.flush()\n"
        "    sys.stdout.write('lost\\n'); sys.stdout.flush()\n"
    )
    result = subprocess.run(  # noqa: PLW1510 - the output is asserted
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )

    assert result.stdout == "kept\n", result.stderr
