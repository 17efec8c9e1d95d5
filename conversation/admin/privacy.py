"""Privacy: admins forget or export a user; users opt out of (or back into) training themselves."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from conversation.admin.base import AdminServices, Invocation, VerbResult
from conversation.admin.roles import user_ref
from conversation.admin.verbs import target_user
from conversation.types import Reply
from skills.base import SkillRequest, SkillResponse
from storage.admin_store import AdminStore, AuditEntry
from storage.user_data import FORGOTTEN, export_user, forget_user

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


async def forget(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``forget <platform:user>``: delete their rows everywhere; a tombstone keeps them out of datasets."""
    platform, user = target_user(invocation)
    ref = user_ref(platform, user)
    report = await asyncio.to_thread(forget_user, services.database, ref)
    services.forget_contexts(ref)
    services.policy.invalidate()
    total = sum(report.deleted.values())
    counts = ", ".join(f"{table} {n}" for table, n in report.deleted.items() if n)
    text = f"Forgot the user: {total} rows deleted ({counts or 'none found'})."
    if report.audit_rows_redacted:
        text += f" Their id was replaced by {FORGOTTEN} in {report.audit_rows_redacted} audit entries."
    if report.kept_pending:
        text += (
            f" {report.kept_pending} message(s) of theirs are still being answered and were kept: "
            "run forget again once they are."
        )
    data: dict[str, Any] = {"deleted": report.deleted, "kept_pending": report.kept_pending}
    return VerbResult(text, data, audit_args=[FORGOTTEN])


async def export(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``export <platform:user>``: every row of theirs as one JSON file, readable by the owner only."""
    platform, user = target_user(invocation)
    rows = await asyncio.to_thread(export_user, services.database, user_ref(platform, user))
    document = {"user": f"{platform}:{user}", "exported_at": time.time(), "tables": rows}
    path = await asyncio.to_thread(_write_private, services.export_dir, f"{platform}-{user}", document)
    total = sum(len(table) for table in rows.values())
    return VerbResult(f"Exported {total} rows to {path}", {"path": str(path), "rows": total})


def _write_private(folder: Path, stem: str, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_UNSAFE.sub('_', stem)}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, indent=1, default=str)
    return path.resolve()


class PrivacySkill:
    """``/optout`` and ``/optin``: anyone may set their own choice; it applies to their id only."""

    def __init__(self, store: AdminStore, opt_out: bool) -> None:
        self.store = store
        self.opt_out = opt_out
        self.name = "optout" if opt_out else "optin"
        self.summary = (
            "Keep my conversations out of model training"
            if opt_out
            else "Allow my conversations in model training again"
        )
        self.description = (
            "Keep my conversations out of model training."
            if opt_out
            else "Allow my conversations in training again."
        )

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Record the caller's choice (and audit it); the text of the message is ignored."""
        message = request.message
        changed = await asyncio.to_thread(
            self.store.set_opted_out, message.platform, message.user, self.opt_out
        )
        entry = AuditEntry(
            message.platform, message.user, self.name, [], "ok", "" if changed else "unchanged"
        )
        await asyncio.to_thread(self.store.record_audit, entry)
        if self.opt_out:
            text = (
                "You are opted out: your conversations will not be used to train the model. /optin undoes it."
            )
        else:
            text = "You are opted in again: your future conversations may be used to train the model."
        return SkillResponse([Reply(text, skill=self.name, data={"opted_out": self.opt_out}, ephemeral=True)])
