"""``chatwright admin <verb> [args]``: an /admin verb from the local command line, as the superuser.

The command goes through the engine like any other message (so it is routed, checked and
audited the same way) on the platform ``cli``, which only this command submits. No model is
loaded and no other pending message is touched: only this one message is processed.
"""

from __future__ import annotations

import asyncio
import getpass
import uuid
from collections.abc import Sequence
from typing import TextIO

from conversation import Message, Reply, Settings
from conversation.admin import LOCAL_PLATFORM, AdminError
from conversation.assembly import build_engine
from conversation.llm import FakeLLM

NO_MODEL = "the admin command line loads no model"


class PrintingSink:
    """Writes each reply to ``out`` and remembers whether every verb succeeded."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.results: list[str] = []

    async def deliver(self, message: Message, reply: Reply) -> None:
        """Print the reply."""
        self._out.write(reply.text + "\n")
        self._out.flush()
        self.results.append(str((reply.data or {}).get("result", "error")))

    async def stream(self, message: Message, text: str) -> None:
        """Admin replies are not streamed."""

    async def settled(self, message: Message) -> None:
        """Nothing to clean up."""


def run_admin(settings: Settings, words: Sequence[str], out: TextIO) -> int:
    """Run ``/admin <words>``; prints the reply, raises AdminError unless the verb succeeded."""
    return asyncio.run(_run_admin(settings, words, out))


async def _run_admin(settings: Settings, words: Sequence[str], out: TextIO) -> int:
    llm = FakeLLM(name=settings.model)
    llm.failure = NO_MODEL
    engine = build_engine(settings, llm)
    sink = PrintingSink(out)
    engine.register_sink(LOCAL_PLATFORM, sink)
    text = " ".join(["/admin", *words])
    message = Message(LOCAL_PLATFORM, getpass.getuser(), text, f"cli-admin-{uuid.uuid4()}", channel="cli")
    try:
        await engine.submit(message)
        await engine.join()
    finally:
        await engine.aclose()
    if sink.results != ["ok"]:
        raise AdminError(f"{text}: {', '.join(sink.results) or 'no answer'}")
    return 0
