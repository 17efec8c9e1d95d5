"""Admin verbs for the docs collections behind ``/ask``: ingest files, list and bind collections."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conversation.admin.base import AdminError, AdminServices, Invocation, VerbResult
from conversation.admin.roles import LOCAL_PLATFORM
from conversation.admin.verbs import target_channel
from conversation.errors import BadInput
from skills.docs import DocsSkill
from skills.docs.config import check_collection_name


def _docs(services: AdminServices) -> DocsSkill:
    if services.docs is None:
        raise AdminError("There is no docs skill (/ask) to manage collections for.")
    return services.docs


def _collection_name(text: str) -> str:
    try:
        return check_collection_name(text)
    except BadInput as error:
        raise AdminError(str(error)) from None


async def ingest(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``ingest <path> [collection]``: index a file or folder on the server for ``/ask``.

    From the chat the path must lie in ``<data_dir>/docs`` (what was uploaded there), so an admin
    account cannot put any file the bot can read into answers; ``chatwright admin`` may name any path.
    """
    docs = _docs(services)
    if not 1 <= len(invocation.args) <= 2:
        raise AdminError("Usage: /admin ingest <path> [collection]")
    path = Path(invocation.args[0]).expanduser()
    root = services.docs_root.resolve()
    if invocation.message.platform != LOCAL_PLATFORM:
        path = (root / path).resolve()
        if not path.is_relative_to(root):
            raise AdminError(
                f"From the chat, ingest only files under {root} (or use chatwright admin ingest)."
            )
    if not path.exists():
        raise AdminError(f"No such file or folder: {path}")
    collection = _collection_name(
        invocation.args[1] if len(invocation.args) == 2 else docs.config.default_collection
    )
    from skills.docs.ingest import ingest as ingest_files  # noqa: PLC0415 - loads llama-index

    report = await asyncio.to_thread(
        ingest_files, [path], collection=collection, library=docs.library, database=services.database
    )
    failed = "".join(f"\nskipped {name}: {reason}" for name, reason in report.failed.items())
    data = {"collection": collection, "added": len(report.added), "failed": len(report.failed)}
    return VerbResult(report.summary() + failed, data)


async def collections(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``collections``, ``collections bind <name> [platform:team:channel]``, ``collections unbind [...]``."""
    action = invocation.args[0].lower() if invocation.args else "list"
    if action == "list" and len(invocation.args) <= 1:
        counts, bindings = await asyncio.to_thread(services.store.collections)
        lines = [f"{name}: {files} files, {pages} pages" for name, files, pages in counts] or [
            "No documents yet."
        ]
        lines += [f"{platform}:{team}:{channel} -> {name}" for platform, team, channel, name in bindings]
        return VerbResult("\n".join(lines))
    if action == "bind" and len(invocation.args) in (2, 3):
        name: str | None = _collection_name(invocation.args[1])
        where = target_channel(invocation, invocation.args[2] if len(invocation.args) == 3 else None)
    elif action == "unbind" and len(invocation.args) in (1, 2):
        name = None
        where = target_channel(invocation, invocation.args[1] if len(invocation.args) == 2 else None)
    else:
        raise AdminError(
            "Usage: /admin collections [list] | bind <name> [platform:team:channel] | unbind [...]"
        )
    _docs(services)
    await asyncio.to_thread(services.store.bind_collection, *where, name)
    label = ":".join(where)
    text = (
        f"/ask in {label} now answers from {name}."
        if name
        else f"/ask in {label} uses the default collection."
    )
    return VerbResult(text, {"channel": label, "collection": name})
