"""The shipped skills' factories, registered as entry points ``chatwright.skills`` like any plugin's."""

from __future__ import annotations

import asyncio

from lingua import LanguageDetectorBuilder

from conversation.admin.roles import Role, Roles
from conversation.help import HelpSkill
from conversation.types import Message
from skills.chat import ChatSkill
from skills.context import SkillContext
from skills.docs import DocsSkill, docs_config
from skills.order import OrderSink, OrderSkill, WebhookPolicy
from skills.proofread import ProofreadSkill
from skills.reply import ReplySkill
from skills.translate import DEFAULT_LANGUAGES, TranslateSkill
from skills.translate.checking import TranslationChecker
from storage.admin_store import AdminStore
from storage.orders import OrderStore


def order(context: SkillContext) -> OrderSkill:
    """The OrderBot on the configured menu; confirmed orders go to the table and the webhook."""
    settings = context.settings
    webhook = settings.order_webhook_url.get_secret_value()
    sink = OrderSink(
        OrderStore(context.services.database),
        WebhookPolicy(webhook, first_retry_s=settings.order_webhook_retry_s) if webhook else None,
    )
    return OrderSkill(menu_path=settings.order_menu, sink=sink)


class WarmTranslateSkill(TranslateSkill):
    """TranslateSkill whose language models load at start (``Warms``), not at the first detection.

    lingua loads a script's language models at the first text in it, holding the GIL for seconds
    (8.5 s for the first Latin text here): the event loop, /healthz and the adapters' acks stopped.
    Its models are shared by every detector in the process, so a detector built with them
    preloaded warms the skill's own. (A bridge until ``TranslateSkill`` declares ``warm`` itself.)
    """

    def warm(self) -> None:
        """Load the models of every language the skill detects (blocking; seconds)."""
        builder = LanguageDetectorBuilder.from_languages(*self.detector.languages)
        builder.with_preloaded_language_models().build()


def translate(context: SkillContext) -> TranslateSkill:
    """Translation between the configured languages."""
    settings = context.settings
    detected = tuple(settings.detect_languages or DEFAULT_LANGUAGES)
    checker = TranslationChecker(candidates=settings.translate_candidates)
    return WarmTranslateSkill(
        detected, tuple(settings.team_languages), checker=checker, check_drafts=settings.check_drafts
    )


def proofread(context: SkillContext) -> ProofreadSkill:
    """Proofreading with a redline."""
    return ProofreadSkill(check_drafts=context.settings.check_drafts)


def reply(context: SkillContext) -> ReplySkill:
    """Customer-service replies to reviews."""
    settings = context.settings
    return ReplySkill(
        settings.reply_temperature,
        settings.customer_service_contact,
        allowed_commitments=settings.reply_allowed_commitments,
    )


def ask(context: SkillContext) -> DocsSkill:
    """Answers from the team's documents (``/ask``)."""
    settings = context.settings
    return DocsSkill(docs_config(settings), context.services.database, settings.max_reply_tokens)


def chat(context: SkillContext) -> ChatSkill:
    """The fallback; built last, so it can tell the model the other skills' commands and call their tools."""
    tasks = {name: skill.description for name, skill in context.skills.items()}
    tools = [tool for skill in context.skills.values() for tool in getattr(skill, "tools", ())]
    settings = context.settings
    roles = Roles(AdminStore(context.services.database), settings.admins)

    async def is_admin(message: Message) -> bool:
        role = await asyncio.to_thread(roles.role_of, message.platform, message.user)
        return role >= Role.ADMIN

    tasks |= {HelpSkill.name: HelpSkill.description}
    return ChatSkill(settings.persona, settings.max_reply_tokens, tasks, tools, is_admin)
