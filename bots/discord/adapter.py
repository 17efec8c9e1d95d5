"""DiscordAdapter: gateway messages and slash commands in, replies out, on discord.py."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from starlette.routing import BaseRoute

from bots.discord.buttons import dynamic_buttons
from bots.discord.commands import discord_commands, private_commands
from bots.discord.events import (
    PLATFORM,
    ReactionFeedback,
    button_message,
    command_message,
    feedback_from_reaction,
    message_from_discord,
)
from bots.discord.gateway import SupervisedGateway, use_endpoints
from bots.discord.sink import DiscordSink
from bots.discord.tree import ChatwrightTree
from bots.health import Health
from conversation import BadInput, ConfigError, Engine, Message, Settings
from conversation.commands import slash_commands

log = logging.getLogger(__name__)


def chatwright_intents() -> discord.Intents:
    """What the bot listens to: guilds, guild and DM messages with their content, reactions.

    Message content is a privileged intent: enable it for the bot in the Developer Portal.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    intents.guild_reactions = True
    intents.dm_reactions = True
    return intents


class DiscordAdapter:
    """A PlatformAdapter for Discord: it only translates; the engine decides and remembers.

    Every message is committed to the engine's inbox before Discord is acknowledged (a slash
    command is deferred right after), so a gateway replay or a redeploy never loses or repeats one.
    """

    platform = PLATFORM

    def __init__(self, engine: Engine, settings: Settings, client: discord.Client | None = None) -> None:
        self.engine = engine
        use_endpoints(settings.discord_api_url, settings.discord_gateway_url)
        self.client = client or (
            discord.AutoShardedClient(
                intents=chatwright_intents(),
                shard_ids=settings.discord_shard_ids or list(range(settings.discord_shard_count)),
                shard_count=settings.discord_shard_count,
            )
            if settings.discord_shard_count
            else discord.Client(intents=chatwright_intents())
        )
        commands = slash_commands(engine.router)
        self.tree = ChatwrightTree(self.client, commands)
        for command in discord_commands(commands, self.receive_command):
            self.tree.add_command(command)
        self.client.add_dynamic_items(*dynamic_buttons(self.receive_vote, self.receive_choice))
        self.sink = DiscordSink(self.client, private_commands(commands))
        engine.register_sink(PLATFORM, self.sink)
        self._token = settings.discord_token
        self._bot_channels = frozenset(settings.discord_bot_channels)
        self.gateway = SupervisedGateway(self.client)
        self._listen()

    def routes(self) -> Sequence[BaseRoute]:
        """Discord comes over the gateway websocket: no HTTP endpoints."""
        return []

    async def start(self) -> None:
        """Log in (a bad token fails here), publish the slash commands, then connect in the background."""
        token = self._token.get_secret_value()
        if not token:
            raise ConfigError("discord_token: not set (the bot token from the Discord Developer Portal)")
        try:
            await self.client.login(token)
            await self.tree.sync()
        except BaseException:
            await self.client.close()
            raise
        self.gateway.start()

    async def stop(self) -> None:
        """Close the gateway and HTTP session."""
        await self.client.close()
        await self.gateway.stop()

    def health(self) -> Health:
        """The gateway connection's state (see ``SupervisedGateway``)."""
        return self.gateway.health()

    async def receive_message(self, message: discord.Message) -> None:
        """Submit a gateway message the bot should answer; typing shows once the inbox has it."""
        me = self.client.user
        incoming = None if me is None else message_from_discord(message, me, self._bot_channels)
        if incoming is not None and self.sink.expect(incoming):
            await self._submit(incoming)

    async def receive_command(
        self, interaction: discord.Interaction[discord.Client], name: str, text: str
    ) -> None:
        """Submit ``/name text``, then defer the interaction (well within Discord's 3 s)."""
        incoming = command_message(interaction, name, text)
        if self.sink.expect(incoming, interaction):
            await self._submit(incoming)

    async def receive_choice(self, interaction: discord.Interaction[discord.Client], text: str) -> None:
        """A choice button was pressed: submit its text as its user's message, then defer."""
        incoming = button_message(interaction, text)
        if self.sink.expect(incoming, interaction):
            await self._submit(incoming)

    async def receive_vote(self, interaction: discord.Interaction[discord.Client], score: int) -> None:
        """A 👍/👎 button was pressed: the same vote as the reaction, acknowledged ephemerally."""
        message = interaction.message
        stored = message is not None and await self.engine.record_feedback(
            PLATFORM, str(message.id), str(interaction.user.id), score
        )
        thanks = "Thanks, noted." if stored else "I can no longer find that answer."
        try:
            await interaction.response.send_message(thanks, ephemeral=True)
        except discord.HTTPException as error:
            log.warning("could not acknowledge a feedback button (%s)", error)

    async def record_feedback(self, feedback: ReactionFeedback) -> None:
        """Store a 👍/👎 (or its removal) on one of the bot's replies as the user's vote."""
        stored = await self.engine.record_feedback(
            PLATFORM, feedback.message_id, feedback.user, feedback.score
        )
        if not stored:
            log.debug("reaction on message %s: not a reply the engine knows", feedback.message_id)

    async def _submit(self, incoming: Message) -> None:
        try:
            submission = await self.engine.submit(incoming)
        except BadInput as error:
            await self.sink.refuse(incoming, str(error))
            return
        except BaseException:
            self.sink.forget(incoming)
            raise
        if submission.accepted:
            await self.sink.acknowledge(incoming)
        else:
            self.sink.forget(incoming)

    async def _receive_reaction(self, reaction: discord.RawReactionActionEvent) -> None:
        me = self.client.user
        feedback = None if me is None else feedback_from_reaction(reaction, me.id)
        if feedback is not None:
            await self.record_feedback(feedback)

    def _listen(self) -> None:
        async def on_message(message: discord.Message) -> None:
            await self.receive_message(message)

        async def on_raw_reaction_add(reaction: discord.RawReactionActionEvent) -> None:
            await self._receive_reaction(reaction)

        async def on_raw_reaction_remove(reaction: discord.RawReactionActionEvent) -> None:
            await self._receive_reaction(reaction)

        self.client.event(on_message)
        self.client.event(on_raw_reaction_add)
        self.client.event(on_raw_reaction_remove)
