"""docs: answers questions from a collection of documents, with citations (``/ask``)."""

from __future__ import annotations

import asyncio
import re
import threading
from typing import TYPE_CHECKING

import sqlalchemy as sa

from conversation.types import Message, Reply
from skills.base import SkillRequest, SkillResponse
from skills.docs.answer import consult
from skills.docs.config import DocsConfig
from skills.docs.guide import GuideIndexing
from storage.tables import channel_settings

if TYPE_CHECKING:
    from skills.docs.library import DocsLibrary

_DOCUMENT = (
    r"(?:docs?|documents?|documentation|handbook|manual|polic(?:y|ies)|guide(?:lines)?|wiki|knowledge ?base"
    r"|faq|runbook|playbook|spec(?:ification)?s?|contract|agreement|licen[cs]es?|terms|readme)"
)
_WHOSE = r"(?:our|the|my|this|these|that|company'?s?|team'?s?)"
_NAMED = rf"{_WHOSE}\b[\w\s'-]{{0,40}}?\b{_DOCUMENT}\b"
_ASKS_DOCUMENTS = re.compile(
    rf"\baccording to {_NAMED}|\bwhat (?:does|do|did) {_NAMED}[\w\s'-]{{0,20}}\bsay\b"
    rf"|\b(?:search|check|look (?:it )?up in|look in|find (?:it )?in|is it in) {_NAMED}"
    rf"|\b(?:in|from|per) {_NAMED}[^?]{{0,120}}\?"
    rf"|^(?:what|how|where|when|which|who|is|are|can|do|does)\b[^?]{{0,120}}\b(?:in|per) {_NAMED}",
    re.IGNORECASE,
)


class DocsSkill:
    """Retrieves from the channel's collection, answers from what it found, cites file and page."""

    summary = "Ask the team's documents"
    usage = "<question>"

    description = "Answers questions about the team's documents, citing file and page or section."

    def __init__(
        self,
        config: DocsConfig,
        database: sa.Engine | None = None,
        max_tokens: int = 512,
        name: str = "ask",
    ) -> None:
        self.name = name
        self.config = config
        self.database = database
        self.max_tokens = max_tokens
        self._library: DocsLibrary | None = None
        self._library_lock = threading.Lock()
        self.guide = (
            GuideIndexing(config.guide, config.default_collection, lambda: self.library, database)
            if config.guide is not None and database is not None
            else None
        )

    def recognises(self, text: str) -> bool:
        """True when the text asks what the team's documents (handbook, policy, docs...) say."""
        return _ASKS_DOCUMENTS.search(text) is not None

    @property
    def library(self) -> DocsLibrary:
        """The collections' indexes, opened on first use (llama-index loads only then)."""
        with self._library_lock:
            if self._library is None:
                from skills.docs.library import DocsLibrary  # noqa: PLC0415 - 2 s import, first /ask only

                self._library = DocsLibrary(self.config)
            return self._library

    def warm(self) -> None:
        """Import llama-index, open the default collection and load MiniLM now (``skills.base.Warms``)."""
        self.library.index(self.config.default_collection).find("warm-up")

    async def start(self) -> None:
        """Index the user guide in the background when configured and not done yet (``BackgroundWork``)."""
        if self.guide is not None:
            await self.guide.start()

    async def aclose(self) -> None:
        """Stop waiting for the guide's indexing."""
        if self.guide is not None:
            await self.guide.aclose()

    def help_text(self) -> str:
        """How to ask, where answers come from, and the admin commands that add a team's documents."""
        return (
            f"Ask me about the documents: /{self.name} <question>. I answer from the channel's "
            f"collection (*{self.config.default_collection}* unless an admin bound another) and cite "
            "file and page or section.\n\n"
            "To add your team's documents (PDF, Markdown, HTML, text), an admin runs on the server:\n\n"
            "```\nchatwright ingest PATH... --collection NAME\n```\n\n"
            "or in the chat `/admin ingest <path> [collection]` (files under the data folder's `docs/`), "
            "then binds a channel to it with `/admin collections bind <name>`."
        )

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Answer from the retrieved passages, or say that the documents do not cover it."""
        question = request.text.strip()
        if not question or question.lower() == "help":
            return SkillResponse([Reply(self.help_text(), self.name)])
        loop = asyncio.get_running_loop()
        collection = await loop.run_in_executor(None, self.collection_for, request.message)
        guide = self.guide
        if guide is not None and guide.indexing and collection == guide.collection:
            progress = f"{guide.done_files} of {guide.total_files} files" if guide.total_files else "starting"
            text = (
                f"I'm still reading the user guide into the *{collection}* documents ({progress}). "
                "Ask again in a few seconds."
            )
            return SkillResponse([Reply(text, self.name, data={"collection": collection, "indexing": True})])
        index = await loop.run_in_executor(None, self.library.index, collection)
        answer = await consult(index, request.llm, question, max_tokens=self.max_tokens)
        if answer is None:
            text = f"I don't know: nothing in the *{collection}* documents answers that."
            return SkillResponse([Reply(text, self.name, data={"collection": collection, "citations": []})])
        data = {"collection": collection, "citations": answer.citations}
        return SkillResponse(
            [Reply(answer.render(), self.name, data=data)],
            prompt=answer.prompt,
            completion=answer.completion,
        )

    def collection_for(self, message: Message) -> str:
        """The collection an admin bound to the message's channel, else the default one."""
        bound = None
        if self.database is not None:
            where = (
                (channel_settings.c.platform == message.platform)
                & (channel_settings.c.team == message.team)
                & (channel_settings.c.channel == message.channel)
            )
            with self.database.connect() as connection:
                bound = connection.execute(sa.select(channel_settings.c.collection).where(where)).scalar()
        return bound or self.config.default_collection
