"""translate: offline language detection, translation, tone change and format conversion."""

from skills.translate.languages import DEFAULT_LANGUAGES, Detector, language_named
from skills.translate.skill import TranslateSkill
from skills.translate.tables import json_to_html_table

__all__ = ["DEFAULT_LANGUAGES", "Detector", "TranslateSkill", "json_to_html_table", "language_named"]
