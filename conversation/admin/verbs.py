"""The admin verbs that steer the bot: roles, the menu, channel modes, maintenance, the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from conversation.admin.base import AdminError, AdminServices, Invocation, VerbResult
from conversation.admin.policy import CHANNEL_MODES, MAINTENANCE_FLAG
from conversation.admin.roles import LOCAL_PLATFORM, BadUserRef, parse_user_ref
from conversation.errors import ConfigError
from skills.order import OrderDialogue, load_menu


def target_user(invocation: Invocation, position: int = 0) -> tuple[str, str]:
    """The ``platform:user`` argument at ``position``, parsed."""
    if len(invocation.args) <= position:
        raise AdminError(f"/admin {invocation.verb} needs a user: platform:user, e.g. slack:U0123ABC")
    try:
        return parse_user_ref(invocation.args[position])
    except BadUserRef as error:
        raise AdminError(str(error)) from None


def target_channel(invocation: Invocation, written: str | None) -> tuple[str, str, str]:
    """The channel written as ``platform:team:channel``, else the one the command came from."""
    if written is not None:
        parts = written.split(":", 2)
        if len(parts) != 3 or not parts[0] or not parts[2]:
            raise AdminError(f"{written!r} is not a channel: write platform:team:channel, e.g. slack:T01:C02")
        return parts[0], parts[1], parts[2]
    message = invocation.message
    if message.platform == LOCAL_PLATFORM:
        raise AdminError(
            f"From the command line, name the channel: /admin {invocation.verb} ... platform:team:channel"
        )
    return message.platform, message.team, message.channel


def count_argument(invocation: Invocation, default: int, maximum: int) -> int:
    """The optional positive number argument of a verb (days, entries)."""
    if not invocation.args:
        return default
    text = invocation.args[0]
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise AdminError(f"/admin {invocation.verb}: expected a number from 1 to {maximum}, got {text!r}")
    return int(text)


async def roles(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``roles [list]``, ``roles grant <user>``, ``roles revoke <user>``."""
    action = invocation.args[0].lower() if invocation.args else "list"
    if action == "list":
        stored = await asyncio.to_thread(services.store.admins)
        lines = [f"{p}:{u} (configuration)" for p, u in sorted(services.roles.bootstrap)]
        lines += [f"{p}:{u}" for p, u in stored if (p, u) not in services.roles.bootstrap]
        return VerbResult("Admins:\n" + "\n".join(lines) if lines else "No admins yet.")
    if action not in ("grant", "revoke"):
        raise AdminError(
            "Usage: /admin roles [list] | roles grant <platform:user> | roles revoke <platform:user>"
        )
    platform, user = target_user(invocation, 1)
    label = f"{platform}:{user}"
    if action == "revoke" and (platform, user) in services.roles.bootstrap:
        raise AdminError(f"{label} is an admin by configuration (CHATWRIGHT_ADMINS); remove them there.")
    changed = await asyncio.to_thread(services.store.set_admin, platform, user, action == "grant")
    services.policy.invalidate()
    if action == "grant":
        return VerbResult(f"{label} is now an admin." if changed else f"{label} already was an admin.")
    return VerbResult(f"{label} is no longer an admin." if changed else f"{label} was not an admin.")


async def menu(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``menu reload``: the order skill re-reads its TOML menu; a bad file keeps the old menu."""
    if [arg.lower() for arg in invocation.args] != ["reload"]:
        raise AdminError("Usage: /admin menu reload")
    if services.order is None:
        raise AdminError("There is no order skill to reload a menu for.")
    try:
        fresh = await asyncio.to_thread(load_menu, services.menu_path)
    except ConfigError as error:
        raise AdminError(f"{error} The current menu stays in use.") from None
    services.order.menu = fresh
    services.order.dialogue = OrderDialogue(fresh)
    return VerbResult(f"Menu reloaded: {len(fresh.items)} items, {len(fresh.toppings)} toppings.")


async def channel(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``channel mode [default|translator] [platform:team:channel]`` (this channel by default)."""
    args = list(invocation.args)
    if not args or args[0].lower() != "mode" or len(args) > 3:
        raise AdminError("Usage: /admin channel mode <translator|default> [platform:team:channel]")
    where = target_channel(invocation, args[2] if len(args) == 3 else None)
    label = ":".join(where)
    if len(args) == 1:
        snapshot = await services.policy.current()
        return VerbResult(f"Channel {label} is in {snapshot.channel_modes.get(where, 'default')} mode.")
    mode = args[1].lower()
    if mode not in CHANNEL_MODES:
        raise AdminError(f"Unknown channel mode {args[1]!r}; modes: {', '.join(CHANNEL_MODES)}.")
    await asyncio.to_thread(services.store.set_channel_mode, *where, mode)
    services.policy.invalidate()
    return VerbResult(f"Channel {label} is now in {mode} mode.", {"channel": label, "mode": mode})


async def maintenance(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``maintenance [on|off]``: while on, non-admins get one fixed notice."""
    if not invocation.args:
        snapshot = await services.policy.current()
        state = "on" if snapshot.flags.get(MAINTENANCE_FLAG) else "off"
        return VerbResult(f"Maintenance is {state}.")
    switch = invocation.args[0].lower()
    if switch not in ("on", "off") or len(invocation.args) > 1:
        raise AdminError("Usage: /admin maintenance on|off")
    await asyncio.to_thread(services.store.set_flag, MAINTENANCE_FLAG, switch == "on")
    services.policy.invalidate()
    return VerbResult(f"Maintenance is now {switch}.", {"maintenance": switch == "on"})


async def audit(services: AdminServices, invocation: Invocation) -> VerbResult:
    """``audit [n]``: the newest n (20) entries of the audit log."""
    entries = await asyncio.to_thread(services.store.recent_audit, count_argument(invocation, 20, 500))
    lines = [
        f"{datetime.fromtimestamp(e.created_at, UTC):%Y-%m-%d %H:%M:%S} {e.platform}:{e.user_id} "
        f"{' '.join([e.verb, *e.args])} -> {e.result}"
        for e in entries
    ]
    return VerbResult("\n".join(lines) or "The audit log is empty.")
