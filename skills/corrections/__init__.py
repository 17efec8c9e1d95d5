"""Corrections checked by code: a spelling pass, confusion sets, candidates ranked by the model."""

from skills.corrections.confusions import ConfusionSets
from skills.corrections.search import Proposal, Scorer, choose_correction, proposals_between
from skills.corrections.spelling import SpellingPass

__all__ = ["ConfusionSets", "Proposal", "Scorer", "SpellingPass", "choose_correction", "proposals_between"]
