"""Skills: one module per capability behind one small interface; no platform SDK here."""

from skills.base import Skill, SkillRequest, SkillResponse
from skills.chat import ChatSkill

__all__ = ["ChatSkill", "Skill", "SkillRequest", "SkillResponse"]
