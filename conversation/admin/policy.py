"""The routing policy admins steer: maintenance mode and per-channel modes, cached per process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from conversation.admin.roles import LOCAL_PLATFORM, Roles
from conversation.types import Message, Reply
from skills.base import SkillRequest, SkillResponse
from storage.admin_store import AdminStore, RuntimeSnapshot

MAINTENANCE_FLAG = "maintenance"
MAINTENANCE_NOTICE = "The bot is down for maintenance. Please try again later."
CHANNEL_MODES = {"default": None, "translator": "translate"}
"""Channel mode -> the skill free text in such a channel goes to (None: the usual routing)."""
EXEMPT_COMMANDS = frozenset({"admin"})
"""Commands that still run during maintenance (the admin skill refuses non-admins itself)."""
REFRESH_S = 1.0
"""How stale the cached flags may get; changes made in this process apply at once."""


class MaintenanceNotice:
    """The skill that answers every non-admin message while maintenance is on: one fixed notice."""

    name = "maintenance"
    description = "Tells users the bot is down for maintenance."

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """The fixed notice, whatever the message says."""
        return SkillResponse([Reply(MAINTENANCE_NOTICE, skill=self.name, notice=True)])


class AdminPolicy:
    """A RoutingPolicy over the runtime_flags, channel_settings and users tables.

    The tables are read at most once per ``refresh_s`` (every bot process sees a change within
    that time), so routing a message costs no database read.
    """

    def __init__(
        self,
        store: AdminStore,
        roles: Roles,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.roles = roles
        self.notice = MaintenanceNotice()
        self._refresh_s = refresh_s
        self._clock = clock
        self._snapshot: RuntimeSnapshot | None = None
        self._read_at = 0.0
        self._reading = asyncio.Lock()
        self._generation = 0

    def invalidate(self) -> None:
        """Forget the cached state (after this process changed it)."""
        self._snapshot = None
        self._generation += 1

    async def current(self) -> RuntimeSnapshot:
        """The flags, channel modes and database admins, read again (by one caller) when stale."""
        if (snapshot := self._fresh()) is not None:
            return snapshot
        async with self._reading:
            if (snapshot := self._fresh()) is None:
                read_at, generation = self._clock(), self._generation
                snapshot = await asyncio.to_thread(self.store.snapshot)
                if generation == self._generation:  # not invalidated by a change meanwhile
                    self._snapshot, self._read_at = snapshot, read_at
            return snapshot

    def _fresh(self) -> RuntimeSnapshot | None:
        if self._snapshot is not None and self._clock() - self._read_at <= self._refresh_s:
            return self._snapshot
        return None

    async def pause(self, message: Message, command: str | None) -> MaintenanceNotice | None:
        """The maintenance notice for a non-admin while maintenance is on, else None."""
        if command in EXEMPT_COMMANDS:
            return None
        snapshot = await self.current()
        if not snapshot.flags.get(MAINTENANCE_FLAG):
            return None
        caller = (message.platform, message.user)
        if message.platform == LOCAL_PLATFORM or caller in self.roles.bootstrap or caller in snapshot.admins:
            return None
        return self.notice

    async def channel_skill(self, message: Message) -> str | None:
        """``translate`` in a channel in translator mode, else None."""
        snapshot = await self.current()
        mode = snapshot.channel_modes.get((message.platform, message.team, message.channel), "default")
        return CHANNEL_MODES.get(mode)
