"""Builds a ready engine from Settings: database, migrations, model, skills, router."""

from __future__ import annotations

from collections.abc import Mapping

from conversation.admin import build_administration
from conversation.classifier import NearestExamplesClassifier
from conversation.context import ContextCache
from conversation.engine import Engine, EngineLimits
from conversation.limits import Admission, UserQuota
from conversation.llm import LLM, make_llm
from conversation.registry import SKILLS, build_skills, chosen_skills, installed
from conversation.router import Router
from conversation.settings import Settings
from skills.context import SkillFactory, SkillServices
from storage import Ledger, create_database_engine, upgrade_schema


def build_engine(
    settings: Settings, llm: LLM | None = None, skills: Mapping[str, SkillFactory] | None = None
) -> Engine:
    """An engine on the configured database (migrated to the latest schema) and model.

    The skills are the installed ones (entry points ``chatwright.skills``) the settings leave on,
    or ``skills`` when given (tests).
    """
    factories = chosen_skills(settings, installed(SKILLS)) if skills is None else skills
    database = create_database_engine(settings.resolved_database_url)
    upgrade_schema(database)
    llm = llm or make_llm(settings)
    services = SkillServices(settings, database, llm)
    built = build_skills(factories, services)
    limits = EngineLimits(
        history_tokens=settings.history_tokens,
        max_message_chars=settings.max_message_chars,
        retry_after_s=settings.retry_after_s,
        max_attempts=settings.max_attempts,
        lease_s=settings.scope_lease_s,
        poll_s=settings.poll_s,
    )
    guesser = llm if settings.intent_model_fallback else None
    classifier = NearestExamplesClassifier(built, guesser) if settings.intent_classifier else None
    ledger = Ledger(database)
    contexts = ContextCache(ledger)
    admin = build_administration(database, settings, built, contexts.forget_user)
    router = Router(
        built | admin.skills,
        classifier=classifier,
        policy=admin.policy,
        commands_only=admin.commands_only,
        services=[services],
    )
    quota = UserQuota(
        max_queued_per_user=settings.user_max_queued,
        max_queued_per_scope=settings.scope_max_queued,
        rate_per_minute=settings.user_rate_per_minute,
        burst=settings.user_burst,
    )
    return Engine(ledger, llm, router, limits, contexts, admission=Admission(quota))
