"""SlackAdapter: Slack events and slash commands in (HTTP or Socket Mode), the engine's replies out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp, AsyncAssistant
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bots.health import AdapterState, Health
from bots.slack.assistant import PROMPTS_TITLE, suggested_prompts, thread_title
from bots.slack.buttons import CHOICE_ACTION, FEEDBACK_ACTION, feedback_from_button, message_from_choice
from bots.slack.events import (
    PLATFORM,
    Addressed,
    Payload,
    ReactionFeedback,
    addressed,
    feedback_from_reaction,
    is_from_a_bot,
    message_from_command,
    message_from_event,
    payload_problem,
)
from bots.slack.installs import INSTALL_PATH, REDIRECT_PATH, oauth_install
from bots.slack.progress import ProgressTiming
from bots.slack.requests import screened
from bots.slack.sink import RATE_LIMIT_RETRIES, SlackSink
from bots.slack.threads import ConversationThreads
from bots.web.guard import BadRequest
from conversation import BadInput, ConfigError, Engine, Message, Settings
from conversation.commands import slash_commands
from conversation.limits import OverLimit

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
OAUTH_PATHS = (INSTALL_PATH, REDIRECT_PATH)
"""Served when workspaces install over OAuth: the "Add to Slack" link and Slack's redirect back."""


def build_web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: the bot token, ``slack_api_url``, and waits out 429s (Retry-After)."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value() or None,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(RATE_LIMIT_RETRIES),
        ],
    )


class SlackAdapter:
    """Slack for the engine: DMs, mentions, thread replies and slash commands.

    Each is acknowledged only after the engine committed it to the inbox, never after model work.
    With ``slack_app_token`` set it connects over Socket Mode (``routes()`` is empty); otherwise
    Slack posts to ``POST /slack/events`` on the shared server, verified with the signing secret.
    """

    platform = PLATFORM

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        client: AsyncWebClient | None = None,
        *,
        progress: ProgressTiming | None = None,
    ) -> None:
        self.engine = engine
        self._app_token = settings.slack_app_token.get_secret_value()
        signing_secret = settings.slack_signing_secret.get_secret_value()
        client_secret = settings.slack_client_secret.get_secret_value()
        self.oauth = bool(settings.slack_client_id and client_secret)
        """True when workspaces install the app over OAuth, each with its own bot token."""
        if client is None and not self.oauth and not settings.slack_bot_token.get_secret_value():
            raise ConfigError(
                "slack_bot_token: required to connect to Slack (xoxb-…), or slack_client_id and "
                "slack_client_secret to install into workspaces over OAuth"
            )
        if not self._app_token and not signing_secret:
            raise ConfigError(
                "slack_signing_secret: required for Slack over HTTP (or set slack_app_token for Socket Mode)"
            )
        self._owns_client = client is None
        self.client = client or build_web_client(settings)
        oauth, tokens = (
            oauth_install(settings.slack_client_id, client_secret, engine.ledger.engine, self.client)
            if self.oauth
            else (None, None)
        )
        self.sink = SlackSink(self.client, progress, tokens)
        engine.register_sink(PLATFORM, self.sink)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            oauth_settings=oauth,
            process_before_response=True,  # the ack waits for the listener, which waits for the inbox
            name="chatwright",
        )
        if self.oauth:
            self.app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked: delete
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("reaction_added")(self._on_reaction)
        self.app.event("reaction_removed")(self._on_reaction)
        self.app.action(FEEDBACK_ACTION)(self._on_feedback_button)
        self.app.action(CHOICE_ACTION)(self._on_choice)
        self.app.assistant(self._assistant())
        self._prompts = suggested_prompts(engine.router)
        for command in slash_commands(engine.router):  # each arrives as "/<name> <text>" for the router
            self.app.command(f"/{command.name}")(self._on_command)
        self._http = AsyncSlackRequestHandler(self.app)
        self._signing_secret = signing_secret
        self._socket: AsyncSocketModeHandler | None = None
        self._chores: set[asyncio.Task[None]] = set()
        self._threads = ConversationThreads()

    @property
    def socket_mode(self) -> bool:
        """True when events come over Socket Mode rather than HTTP."""
        return bool(self._app_token)

    def routes(self) -> Sequence[BaseRoute]:
        """``POST /slack/events`` in HTTP mode; nothing in Socket Mode."""
        if self.socket_mode:
            return []
        events = Route(EVENTS_PATH, self._handle_http, methods=["POST"])
        if not self.oauth:
            return [events]
        return [events, *(Route(path, self._http.handle, methods=["GET"]) for path in OAUTH_PATHS)]

    async def start(self) -> None:
        """Open the Web API's HTTP session, and the Socket Mode connection (over HTTP Slack calls us).

        One session for every Web API call: without it the SDK opens (and closes) a session, and a
        connection, per call, which under a burst slows the acks down.
        """
        if self._owns_client and self.client.session is None:
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.client.timeout)
            )
        if self.socket_mode and self._socket is None:
            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        """Close the connection and finish pending notes and progress messages."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        await asyncio.gather(*self._chores)
        await self.sink.aclose()
        if self._owns_client and self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    def health(self) -> Health:
        """Over HTTP Slack calls in: up. Over Socket Mode: whether the websocket is open.

        slack_sdk's Socket Mode client reconnects by itself; a closed client is down for good.
        """
        if not self.socket_mode:
            return Health(AdapterState.UP)
        if self._socket is None:
            return Health(AdapterState.STARTING)
        client = self._socket.client
        session = getattr(client, "current_session", None)
        if client.closed:
            return Health(AdapterState.DOWN, "the Socket Mode client was closed")
        if session is None or session.closed:
            return Health(AdapterState.RECONNECTING, "the Socket Mode websocket is closed")
        return Health(AdapterState.UP)

    async def on_reaction_feedback(self, feedback: ReactionFeedback) -> None:
        """Store a thumbs up/down (or its removal) on one of the bot's replies as the user's vote."""
        stored = await self.engine.record_feedback(
            PLATFORM, feedback.message_ts, feedback.user, feedback.score
        )
        if not stored:
            log.debug(
                "reaction on %s/%s: not a reply the engine knows", feedback.channel, feedback.message_ts
            )

    # -- listeners (Bolt passes arguments by name) -----------------------------------

    async def _handle_http(self, request: Request) -> Response:
        """Refuse unsigned, oversized and malformed requests here; hand the rest to Bolt."""
        try:
            checked = await screened(request, self._signing_secret)
        except BadRequest as refusal:
            client = request.client.host if request.client else "?"
            log.warning("refused a request to %s from %s: %s", EVENTS_PATH, client, refusal.reason)
            return JSONResponse({"error": refusal.reason}, status_code=refusal.status)
        return await self._http.handle(checked)

    def _assistant(self) -> AsyncAssistant:
        """Assistant threads: prompts when one starts, its messages like DMs (with status, title)."""
        assistant = AsyncAssistant(logger=log)
        assistant.thread_started(self._on_assistant_thread_started)
        assistant.thread_context_changed(self._on_assistant_context_changed)
        assistant.user_message(self._on_assistant_message)
        return assistant

    async def _on_assistant_thread_started(self, event: Payload, context: AsyncBoltContext) -> None:
        thread = event.get("assistant_thread") or {}
        channel, thread_ts = thread.get("channel_id"), thread.get("thread_ts")
        if isinstance(channel, str) and isinstance(thread_ts, str) and self._prompts:
            self._run_chore(self._suggest(channel, thread_ts, _auth(context)))

    async def _suggest(self, channel: str, thread_ts: str, auth: dict[str, Any]) -> None:
        try:
            await self.client.assistant_threads_setSuggestedPrompts(
                **auth, channel_id=channel, thread_ts=thread_ts, title=PROMPTS_TITLE, prompts=self._prompts
            )
        except SlackApiError as error:
            log.warning("suggested prompts for assistant thread %s not set (%s)", thread_ts, error)

    async def _on_assistant_context_changed(self) -> None:
        """Nothing to keep (Bolt's default would rewrite the metadata of the bot's first reply)."""

    async def _on_assistant_message(self, body: Payload, event: Payload, context: AsyncBoltContext) -> None:
        await self._receive(body, event, context, assistant_thread=True)

    async def _on_message(self, body: Payload, event: Payload, context: AsyncBoltContext) -> None:
        await self._receive(body, event, context)

    async def _receive(
        self, body: Payload, event: Payload, context: AsyncBoltContext, *, assistant_thread: bool = False
    ) -> None:
        if _malformed(body):
            return
        verdict = addressed(event, context.bot_user_id)
        if verdict is Addressed.NO:
            return
        message = message_from_event(body, context.bot_user_id)
        if verdict is Addressed.IF_IN_CONVERSATION and not await self._in_conversation(message):
            return
        await self._submit(message, context, assistant_thread=assistant_thread)

    async def _in_conversation(self, message: Message) -> bool:
        """True when the author talks to the bot in this thread (even if it has not answered yet)."""
        return message.scope in self._threads or bool(await self.engine.history(message.scope, 1))

    async def _on_mention(self, body: Payload, event: Payload, context: AsyncBoltContext) -> None:
        if _malformed(body) or is_from_a_bot(event, context.bot_user_id) or event["channel"].startswith("D"):
            return  # DMs arrive as message.im
        await self._submit(message_from_event(body, context.bot_user_id, new_thread=True), context)

    async def _on_reaction(self, body: Payload, context: AsyncBoltContext) -> None:
        feedback = feedback_from_reaction(body, context.bot_user_id)
        if feedback is not None:
            await self.on_reaction_feedback(feedback)

    async def _on_feedback_button(self, ack: AsyncAck, body: Payload) -> None:
        feedback = feedback_from_button(body)
        if feedback is not None:
            await self.on_reaction_feedback(feedback)
        await ack()

    async def _on_choice(self, ack: AsyncAck, body: Payload, context: AsyncBoltContext) -> None:
        """A choice button was pressed: its text is the user's message there, committed before the ack."""
        message = message_from_choice(body)
        if message is None:
            log.warning("ignored a Slack choice press without a channel, user, value or action_ts")
        else:
            await self._submit(message, context)
        await ack()

    async def _on_command(self, ack: AsyncAck, command: Payload, context: AsyncBoltContext) -> None:
        if _malformed(command):
            await ack()
            return
        message = message_from_command(command)
        self.sink.remember_response_url(message, command.get("response_url", ""))
        try:
            submission = await self.engine.submit(message)
        except BadInput as error:
            self.sink.forget(message)
            await ack(text=str(error))  # shown to the user only
            return
        await ack()
        if submission.accepted:
            self.sink.expect(message, token=context.bot_token)
        else:
            self.sink.forget(message)

    async def _submit(
        self, message: Message, context: AsyncBoltContext, *, assistant_thread: bool = False
    ) -> None:
        """Commit ``message`` to the inbox; Bolt acknowledges when this returns.

        In an assistant thread the status and (for its first message) the title are set after that.
        """
        try:
            submission = await self.engine.submit(message)
        except BadInput as error:
            if not (isinstance(error, OverLimit) and error.already_told):  # one notice per flood
                self._run_chore(self.sink.tell(message, str(error)))
            return
        first_in_thread = message.scope not in self._threads
        if message.thread:
            self._threads.remember(message.scope)
        if submission.accepted:
            self.sink.expect(message, assistant_thread=assistant_thread, token=context.bot_token)
            if assistant_thread:
                self._run_chore(self.sink.show_status(message))
        if assistant_thread and first_in_thread and submission.accepted:
            self._run_chore(self._set_title(message, _auth(context)))

    async def _set_title(self, message: Message, auth: dict[str, Any]) -> None:
        try:
            await self.client.assistant_threads_setTitle(
                **auth, channel_id=message.channel, thread_ts=message.thread, title=thread_title(message.text)
            )
        except SlackApiError as error:
            log.warning("title of assistant thread %s not set (%s)", message.thread, error)

    def _run_chore(self, chore: Coroutine[Any, Any, None]) -> None:
        """Run a Web API call after the ack instead of before it."""
        task = asyncio.create_task(chore)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)


def _auth(context: AsyncBoltContext) -> dict[str, Any]:
    """The ``token`` argument for calls about this request's team (its OAuth bot token), if any."""
    return {"token": context.bot_token} if context.bot_token else {}


def _malformed(payload: Payload) -> bool:
    """Log one line for a payload missing what the listeners read (Socket Mode has no HTTP check)."""
    problem = payload_problem(payload)
    if problem:
        log.warning("ignored a Slack payload: %s", problem)
    return bool(problem)
