"""Skills: one module per capability behind one small interface; no platform SDK here."""

from skills.base import Skill, SkillRequest, SkillResponse
from skills.chat import ChatSkill
from skills.order import OrderSkill
from skills.proofread import ProofreadSkill, render_redline_html, render_redline_markdown
from skills.reply import ReplySkill
from skills.translate import DEFAULT_LANGUAGES, TranslateSkill

__all__ = [
    "DEFAULT_LANGUAGES",
    "ChatSkill",
    "OrderSkill",
    "ProofreadSkill",
    "ReplySkill",
    "Skill",
    "SkillRequest",
    "SkillResponse",
    "TranslateSkill",
    "render_redline_html",
    "render_redline_markdown",
]
