"""Administration: ``/admin`` verbs guarded by roles checked in code, the audit log, privacy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from conversation.admin.base import AdminError, AdminServices
from conversation.admin.policy import MAINTENANCE_NOTICE, AdminPolicy
from conversation.admin.privacy import PrivacySkill
from conversation.admin.roles import LOCAL_PLATFORM, Role, Roles, parse_user_ref
from conversation.admin.skill import VERBS, AdminSkill
from conversation.settings import Settings
from skills.base import Skill
from skills.docs import DocsSkill
from skills.order import OrderSkill
from storage.admin_store import AdminStore
from storage.user_data import UserRef

Shipped = TypeVar("Shipped")

__all__ = [
    "LOCAL_PLATFORM",
    "MAINTENANCE_NOTICE",
    "VERBS",
    "AdminError",
    "AdminPolicy",
    "AdminSkill",
    "Administration",
    "PrivacySkill",
    "Role",
    "Roles",
    "build_administration",
    "parse_user_ref",
]


@dataclass(frozen=True, slots=True)
class Administration:
    """The command-only skills (``admin``, ``optout``, ``optin``) and the routing policy they steer."""

    skills: dict[str, Skill]
    policy: AdminPolicy

    @property
    def commands_only(self) -> frozenset[str]:
        """Skills the router must reach by command alone."""
        return frozenset(self.skills)


def build_administration(
    database: sa.Engine,
    settings: Settings,
    skills: Mapping[str, Skill],
    forget_contexts: Callable[[UserRef], None] = lambda _user: None,
) -> Administration:
    """The admin and privacy skills and the policy, over ``database`` and the skills admins steer."""
    store = AdminStore(database)
    roles = Roles(store, settings.admins)
    policy = AdminPolicy(store, roles)
    services = AdminServices(
        database=database,
        store=store,
        roles=roles,
        policy=policy,
        served_model=settings.model,
        export_dir=settings.data_dir / "exports",
        docs_root=settings.data_dir / "docs",
        order=_registered(skills, "order", OrderSkill),
        menu_path=settings.order_menu,
        docs=_registered(skills, "ask", DocsSkill),
        settings=settings,
        forget_contexts=forget_contexts,
    )
    admin_skills: dict[str, Skill] = {
        "admin": AdminSkill(services),
        "optout": PrivacySkill(store, opt_out=True),
        "optin": PrivacySkill(store, opt_out=False),
    }
    return Administration(admin_skills, policy)


def _registered(skills: Mapping[str, Skill], name: str, kind: type[Shipped]) -> Shipped | None:
    """The skill registered as ``name``, when it is the shipped one admins steer (a plugin may replace it)."""
    skill = skills.get(name)
    return skill if isinstance(skill, kind) else None
