"""acme-status: a chatwright skill looking orders up in ACME's order API (``/status 123``)."""

from acme_status.skill import StatusConfig, StatusSkill

__all__ = ["StatusConfig", "StatusSkill"]
