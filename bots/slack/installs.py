"""Many workspaces: OAuth installs kept in the project's database by slack_sdk's SQLAlchemy stores.

The tables are the project's own (storage/tables.py, created by its Alembic migrations); slack_sdk's
synchronous stores read and write them in a worker thread, behind the async interfaces Bolt uses.
Each team's bot token is looked up (and refreshed when token rotation is on) when a reply goes out.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import sqlalchemy as sa
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.manifest import bot_scopes

log = logging.getLogger(__name__)

STATE_EXPIRY_S = 600
ROTATE_BEFORE_MIN = 120
"""A rotated token this close to expiring is refreshed before it is used."""


class InstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemyInstallationStore on the project database, called off the event loop."""

    def __init__(self, client_id: str, database: sa.Engine) -> None:
        self._store = SQLAlchemyInstallationStore(client_id, database, logger=log)

    @property
    def logger(self) -> logging.Logger:
        """The logger of bots.slack.installs."""
        return log

    async def async_save(self, installation: Installation) -> None:
        """Store a new installation (and its bot)."""
        await asyncio.to_thread(self._store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        """Store a bot (a rotated token)."""
        await asyncio.to_thread(self._store.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The newest bot of a team."""
        found: Bot | None = await asyncio.to_thread(
            self._store.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return found

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The newest installation of a team (by a user)."""
        found: Installation | None = await asyncio.to_thread(
            self._store.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return found

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete a team's bots."""
        await asyncio.to_thread(self._store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Delete a team's installations (by a user)."""
        await asyncio.to_thread(
            self._store.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete a team's installations and bots (uninstalled, tokens revoked)."""
        await asyncio.to_thread(self._store.delete_all, enterprise_id=enterprise_id, team_id=team_id)


class StateStore(AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemyOAuthStateStore on the project database, called off the event loop."""

    def __init__(self, database: sa.Engine) -> None:
        self._store = SQLAlchemyOAuthStateStore(STATE_EXPIRY_S, database, logger=log)

    @property
    def logger(self) -> logging.Logger:
        """The logger of bots.slack.installs."""
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state value for the install link."""
        issued: str = await asyncio.to_thread(self._store.issue, *args, **kwargs)
        return issued

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued and not expired."""
        consumed: bool = await asyncio.to_thread(self._store.consume, state)
        return consumed


class TeamTokens:
    """Each installed team's bot token, refreshed first when token rotation is on and it expires soon."""

    def __init__(self, store: AsyncInstallationStore, rotator: AsyncTokenRotator) -> None:
        self._store = store
        self._rotator = rotator

    async def token(self, team: str) -> str | None:
        """The bot token of ``team``; None when the app is not installed there (any more)."""
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=team or None)
        if bot is None:
            return None
        if bot.bot_refresh_token:
            rotated = await self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_BEFORE_MIN
            )
            if rotated is not None:
                await self._store.async_save_bot(rotated)
                bot = rotated
        return bot.bot_token


INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def oauth_install(
    client_id: str, client_secret: str, database: sa.Engine, client: AsyncWebClient
) -> tuple[AsyncOAuthSettings, TeamTokens]:
    """Bolt's OAuth settings (install and redirect paths, the stores, token rotation) and the tokens."""
    store = InstallationStore(client_id, database)
    settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=bot_scopes(),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=StateStore(database),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MIN,
    )
    rotator = AsyncTokenRotator(client_id=client_id, client_secret=client_secret, client=client)
    return settings, TeamTokens(store, rotator)
