"""What every admin verb gets and gives back, and the rule that guards it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conversation.admin.policy import AdminPolicy
from conversation.admin.roles import Role, Roles
from conversation.errors import ChatwrightError
from conversation.settings import Settings
from conversation.types import Message
from skills.docs import DocsSkill
from skills.order import OrderSkill
from storage.admin_store import AdminStore
from storage.user_data import UserRef


class AdminError(ChatwrightError):
    """A verb could not do what was asked (bad arguments, a bad menu file); nothing changed."""


@dataclass(frozen=True, slots=True)
class AdminServices:
    """What the verbs act on."""

    database: sa.Engine
    store: AdminStore
    roles: Roles
    policy: AdminPolicy
    served_model: str
    """The configured model, shown by ``stats`` when no fine-tuned version is promoted."""
    export_dir: Path
    docs_root: Path
    """Where files ingested from the chat must lie."""
    settings: Settings
    """What a training run reads its configuration from."""
    order: OrderSkill | None = None
    menu_path: Path | None = None
    docs: DocsSkill | None = None
    forget_contexts: Callable[[UserRef], None] = lambda _user: None
    """Drops what this process holds in RAM of a user's conversations (after ``forget``); the
    default holds none (the CLI)."""
    background: set[asyncio.Task[None]] = field(default_factory=set)
    """Training runs started by ``/admin train``, kept until they end."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """One ``/admin <verb> <args>`` and the message it came in."""

    message: Message
    verb: str
    args: Sequence[str]


@dataclass(frozen=True, slots=True)
class VerbResult:
    """A verb's answer; ``audit_args`` replaces the arguments in the audit log when set."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)
    audit_args: Sequence[str] | None = None


VerbRun = Callable[[AdminServices, Invocation], Awaitable[VerbResult]]


@dataclass(frozen=True, slots=True)
class Verb:
    """An admin verb: who may run it, how it is written, what it does."""

    name: str
    usage: str
    summary: str
    run: VerbRun
    needs: Role = Role.ADMIN
