"""order: the course's OrderBot — a menu from TOML, a deterministic dialogue, prices by code."""

from skills.order.dialogue import OrderDialogue
from skills.order.draft import OrderDraft, price_order
from skills.order.menu import Menu, load_menu
from skills.order.sink import OrderSink, WebhookPolicy
from skills.order.skill import OrderSkill

__all__ = [
    "Menu",
    "OrderDialogue",
    "OrderDraft",
    "OrderSink",
    "OrderSkill",
    "WebhookPolicy",
    "load_menu",
    "price_order",
]
