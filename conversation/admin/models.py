"""Admin verbs for fine-tuning: start a training run, list the model versions, promote, roll back.

The training package is imported when a verb runs (it depends on the conversation package, and
its heavy libraries load only for training).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from conversation.admin.base import AdminError, AdminServices, Invocation, VerbResult
from conversation.errors import ChatwrightError
from conversation.llm.models import ServedVersion
from storage.admin_store import AuditEntry

log = logging.getLogger(__name__)


async def train(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``train [force]``: run the pipeline in the background, under the nightly run's lease.

    The run's outcome is written to the audit log (verb ``train``, args ``finished``) when it ends.
    """
    if invocation.args not in ([], ["force"]):
        raise AdminError("Usage: /admin train [force]")
    run_key = f"admin-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    task = asyncio.create_task(_train(services, invocation, run_key, force=bool(invocation.args)))
    services.background.add(task)
    task.add_done_callback(services.background.discard)
    return VerbResult(
        f"Training run {run_key} started in the background; its outcome goes to /admin audit, "
        "new versions to /admin models.",
        {"run_key": run_key},
    )


async def _train(services: AdminServices, invocation: Invocation, run_key: str, *, force: bool) -> None:
    from training.scheduler import run_leased  # noqa: PLC0415 - heavy, and training imports conversation

    message = invocation.message
    try:
        outcome = await asyncio.to_thread(
            run_leased, services.settings, services.database, run_key, force=force
        )
    except ChatwrightError as error:
        result, detail = "error", str(error)
    except Exception as error:
        log.exception("training run %s failed", run_key)
        result, detail = "error", f"{type(error).__name__}: {error}"
    else:
        result = "ok" if outcome is not None else "refused"
        detail = (
            "another process is training right now"
            if outcome is None
            else f"{outcome.status} {outcome.version or '-'}: {outcome.detail}"
        )
    entry = AuditEntry(message.platform, message.user, "train", ["finished", run_key], result, detail)
    await asyncio.to_thread(services.store.record_audit, entry)


async def models(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``models``: every fine-tuned version, its status and held-out loss."""
    from training.versions import list_versions  # noqa: PLC0415

    versions = await asyncio.to_thread(list_versions, services.database)
    lines = [f"{row['version']} {row['status']} on {row['base_model']}" for row in versions]
    return VerbResult(
        "\n".join(lines) or "No fine-tuned versions yet (/admin train).", {"versions": versions}
    )


async def promote(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``promote <version>``: serve that version (running bots switch within ``training_poll_s``)."""
    from training.versions import promote as promote_version  # noqa: PLC0415

    if len(invocation.args) != 1:
        raise AdminError("Usage: /admin promote <version>")
    served = await _versions_call(promote_version, services, invocation.args[0])
    return VerbResult(f"Now serving {served}.", {"served": served})


async def rollback(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``rollback``: serve the version promoted before the current one (or the plain base model)."""
    from training.versions import rollback as rollback_version  # noqa: PLC0415

    if invocation.args:
        raise AdminError("Usage: /admin rollback")
    served = await _versions_call(rollback_version, services, services.served_model)
    return VerbResult(f"Now serving {served}.", {"served": served})


async def _versions_call(
    call: Callable[[sa.Engine, str], ServedVersion], services: AdminServices, argument: str
) -> str:
    """Run promote/rollback off the event loop; a refusal (no such version) becomes an AdminError."""
    try:
        served = await asyncio.to_thread(call, services.database, argument)
    except ChatwrightError as error:
        raise AdminError(str(error)) from None
    return str(served.version)
