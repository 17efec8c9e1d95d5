"""The JSON-lines surface: requests on stdin, one reply per line on stdout (for scripts and tests)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any, BinaryIO, TextIO

from conversation import BadInput, Engine, Message, Reply

PLATFORM = "jsonl"
_DEFAULTS: dict[str, str | None] = {
    "user": None,
    "text": None,
    "channel": "dm",
    "event_id": None,
    "thread": "",
}
"""Request fields; None means required (a missing event_id gets a fresh one)."""


class JsonLinesSink:
    """Writes each reply as one JSON line, flushed at once."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def deliver(self, message: Message, reply: Reply) -> None:
        """Write the reply line; returning means it reached the stream."""
        self.write(
            {
                "event_id": message.event_id,
                "user": message.user,
                "channel": message.channel,
                "skill": reply.skill,
                "text": reply.text,
                "data": reply.data,
                "notice": reply.notice,
            }
        )

    async def stream(self, message: Message, text: str) -> None:
        """JSON lines carry whole replies only."""

    async def settled(self, message: Message) -> None:
        """Nothing to close per message."""

    def write(self, record: dict[str, Any]) -> None:
        """One JSON object per line."""
        self._out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._out.flush()


def parse_request(raw: bytes, line_number: int) -> Message:
    """Turn one input line into a Message, or raise BadInput saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"line {line_number}: not valid UTF-8 (byte {error.start})") from None
    try:
        request = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(f"line {line_number}: not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(request, dict):
        raise BadInput(f"line {line_number}: expected a JSON object")
    unknown = sorted(set(request) - set(_DEFAULTS))
    if unknown:
        raise BadInput(f"line {line_number}: unknown field(s) {', '.join(unknown)}")
    values = {**_DEFAULTS, "event_id": f"jsonl-{uuid.uuid4()}", **request}
    for name, value in values.items():
        if value is None:
            raise BadInput(f"line {line_number}: field {name!r} is required")
        if not isinstance(value, str):
            raise BadInput(f"line {line_number}: field {name!r} must be a string")
    return Message(
        platform=PLATFORM,
        user=values["user"],
        text=values["text"],
        event_id=values["event_id"],
        channel=values["channel"],
        thread=values["thread"],
    )


async def serve_jsonl(engine: Engine, source: BinaryIO, out: TextIO) -> None:
    """Answer every line of ``source``, then return once all replies are written (retries' too)."""
    sink = JsonLinesSink(out)
    engine.register_sink(PLATFORM, sink)
    await engine.prepare()  # a burst of first lines finds the shared models loaded
    await engine.start()
    line_number = 0
    while raw := await asyncio.to_thread(source.readline):
        line_number += 1
        if not raw.strip():
            continue
        event_id = None
        try:
            message = parse_request(raw.rstrip(b"\r\n"), line_number)
            event_id = message.event_id
            await engine.submit(message)
        except BadInput as error:
            sink.write({"event_id": event_id, "line": line_number, "error": str(error)})
    await engine.join(retries=True)  # a script gets every answer, a retried one too
