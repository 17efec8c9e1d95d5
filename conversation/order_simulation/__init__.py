"""Simulated customers for the OrderBot: random goals from the menu, stated in varied styles, checked by code.

``chatwright eval orders`` runs them; the parts are goals (what a customer wants), the customer
(what it says, from ``phrases.toml``, reading replies by ``cues.toml``), the checker and the report.
"""

from conversation.order_simulation.check import FailureClass, expected_total, judge, minimum_turns
from conversation.order_simulation.customer import STYLES, Customer, Style, Utterance
from conversation.order_simulation.goals import Change, Goal, GoalLine, draw_goals
from conversation.order_simulation.phrasebook import load_cues, load_phrasebook
from conversation.order_simulation.report import KIND, SimulationReport, record_report
from conversation.order_simulation.results import ConversationRun, Turn
from conversation.order_simulation.run import PHRASINGS, TURN_CAP, simulate_orders

__all__ = [
    "KIND",
    "PHRASINGS",
    "STYLES",
    "TURN_CAP",
    "Change",
    "ConversationRun",
    "Customer",
    "FailureClass",
    "Goal",
    "GoalLine",
    "SimulationReport",
    "Style",
    "Turn",
    "Utterance",
    "draw_goals",
    "expected_total",
    "judge",
    "load_cues",
    "load_phrasebook",
    "minimum_turns",
    "record_report",
    "simulate_orders",
]
