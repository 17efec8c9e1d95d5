"""Builds a ready engine from Settings: database, migrations, model, skills, router."""

from __future__ import annotations

from conversation.admin import build_administration
from conversation.classifier import NearestExamplesClassifier
from conversation.context import ContextCache
from conversation.engine import Engine, EngineLimits
from conversation.help import HelpSkill
from conversation.limits import Admission, UserQuota
from conversation.llm import LLM, make_llm
from conversation.router import Router
from conversation.settings import Settings
from skills import (
    DEFAULT_LANGUAGES,
    ChatSkill,
    OrderSkill,
    ProofreadSkill,
    ReplySkill,
    Skill,
    TranslateSkill,
)
from skills.docs import DocsSkill, docs_config
from skills.order import OrderSink, WebhookPolicy
from storage import Ledger, create_database_engine, upgrade_schema
from storage.orders import OrderStore


def build_engine(settings: Settings, llm: LLM | None = None) -> Engine:
    """An engine on the configured database (migrated to the latest schema) and model."""
    database = create_database_engine(settings.resolved_database_url)
    upgrade_schema(database)
    llm = llm or make_llm(settings)
    webhook = settings.order_webhook_url.get_secret_value()
    order_sink = OrderSink(
        OrderStore(database),
        WebhookPolicy(webhook, first_retry_s=settings.order_webhook_retry_s) if webhook else None,
    )
    skills: dict[str, Skill] = {
        "order": OrderSkill(menu_path=settings.order_menu, sink=order_sink),
        "translate": TranslateSkill(
            tuple(settings.detect_languages or DEFAULT_LANGUAGES), tuple(settings.team_languages)
        ),
        "proofread": ProofreadSkill(),
        "reply": ReplySkill(
            settings.reply_temperature,
            settings.customer_service_contact,
            allowed_commitments=settings.reply_allowed_commitments,
        ),
        "ask": DocsSkill(docs_config(settings), database, settings.max_reply_tokens),
    }
    tasks = {name: skill.description for name, skill in skills.items()}
    skills["chat"] = ChatSkill(
        settings.persona, settings.max_reply_tokens, tasks | {HelpSkill.name: HelpSkill.description}
    )
    limits = EngineLimits(
        history_tokens=settings.history_tokens,
        max_message_chars=settings.max_message_chars,
        retry_after_s=settings.retry_after_s,
        max_attempts=settings.max_attempts,
        lease_s=settings.scope_lease_s,
        poll_s=settings.poll_s,
    )
    guesser = llm if settings.intent_model_fallback else None
    classifier = NearestExamplesClassifier(skills, guesser) if settings.intent_classifier else None
    ledger = Ledger(database)
    contexts = ContextCache(ledger)
    admin = build_administration(database, settings, skills, contexts.forget_user)
    router = Router(
        skills | admin.skills,
        classifier=classifier,
        policy=admin.policy,
        commands_only=admin.commands_only,
    )
    quota = UserQuota(
        max_queued_per_user=settings.user_max_queued,
        max_queued_per_scope=settings.scope_max_queued,
        rate_per_minute=settings.user_rate_per_minute,
        burst=settings.user_burst,
    )
    return Engine(ledger, llm, router, limits, contexts, admission=Admission(quota))
