"""``chatwright shell``: chat with the bot in the terminal."""

from __future__ import annotations

import asyncio
import getpass
import sys
import uuid
from typing import TextIO

from conversation import BadInput, Engine, Message, Reply

PLATFORM = "console"
PROMPT = "you> "


class ConsoleSink:
    """Prints streamed tokens as they come and notices in full."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._streamed = False

    async def deliver(self, message: Message, reply: Reply) -> None:
        """Finish a streamed line, or print a reply that was not streamed."""
        if not self._streamed:
            self._out.write(f"bot> {reply.text}")
        self._out.write("\n")
        self._out.flush()
        self._streamed = False

    async def stream(self, message: Message, text: str) -> None:
        """Print a piece of the reply."""
        if not self._streamed:
            self._out.write("bot> ")
            self._streamed = True
        self._out.write(text)
        self._out.flush()

    async def settled(self, message: Message) -> None:
        """Ready for the next line."""


async def run_shell(engine: Engine, source: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """Read lines until EOF or ``/quit``, answering each before the next prompt."""
    engine.register_sink(PLATFORM, ConsoleSink(out))
    await engine.start()
    user = getpass.getuser()
    out.write("chatwright shell - type a message, /quit to leave.\n")
    while True:
        out.write(PROMPT)
        out.flush()
        line = await asyncio.to_thread(source.readline)
        if not line or line.strip() == "/quit":
            break
        if not line.strip():
            continue
        message = Message(
            PLATFORM, user, line.rstrip("\n"), event_id=f"console-{uuid.uuid4()}", channel="shell"
        )
        try:
            await engine.submit(message)
        except BadInput as error:
            out.write(f"error: {error}\n")
        await engine.join()
    out.write("\n")
