"""/admin ingest and /admin collections: the docs collections behind /ask, steered from the chat."""

from __future__ import annotations

from pathlib import Path

from conversation import Message
from skills.docs import DocsSkill
from tests.fakes.admin_bot import admin_bot

HANDBOOK = "# Holidays\n\nEvery employee has 30 days of paid leave per year, booked in the HR tool.\n"


async def test_ingest_indexes_an_uploaded_file_and_collections_binds_a_channel_to_it(tmp_path: Path) -> None:
    uploads = tmp_path / "docs"
    uploads.mkdir()
    (uploads / "handbook.md").write_text(HANDBOOK, encoding="utf-8")
    async with admin_bot(tmp_path) as bot:
        ingested = await bot.admin("ingest handbook.md handbook")
        outside = await bot.admin(f"ingest {tmp_path / 'chatwright.db'} handbook")
        climbing = await bot.admin("ingest ../chatwright.db")
        bound = await bot.admin("collections bind handbook", channel="hr")
        listed = await bot.admin("collections")
        docs = bot.engine.router.skills["ask"]
        assert isinstance(docs, DocsSkill)
        in_hr = docs.collection_for(Message("test", "pat", "?", "e1", channel="hr"))
        elsewhere = docs.collection_for(Message("test", "pat", "?", "e2", channel="general"))
        unbound = await bot.admin("collections unbind", channel="hr")
        after = docs.collection_for(Message("test", "pat", "?", "e3", channel="hr"))

    assert ingested.text.startswith("collection handbook: 1 added, 0 updated") and ingested.ephemeral
    for refused in (outside, climbing):
        assert (refused.data or {})["result"] == "error"
        assert refused.text.startswith(f"From the chat, ingest only files under {uploads.resolve()}")
    assert bound.text == "/ask in test::hr now answers from handbook."
    assert listed.text == "handbook: 1 files, 1 pages\ntest::hr -> handbook"
    assert (in_hr, elsewhere, after) == ("handbook", "default", "default")
    assert unbound.text == "/ask in test::hr uses the default collection."
