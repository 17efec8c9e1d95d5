"""A scope's context keeps within its token budget however long the conversation runs."""

from __future__ import annotations

import random

import pytest

from conversation.context import MAX_TURNS_KEPT, ScopeContext
from conversation.llm import ChatMessage, FakeLLM
from skills.base import render_prompt
from storage import ScopeStateRecord


@pytest.mark.parametrize(("budget", "longest_filler"), [(300, 200), (2_000, 20)])
def test_history_keeps_in_budget_ends_with_the_latest_turns_and_renders_them(budget, longest_filler):
    count_tokens = FakeLLM().count_tokens
    context = ScopeContext([], ScopeStateRecord(None, {}))
    sizes = random.Random(3)
    for n in range(3 * MAX_TURNS_KEPT):
        history = context.history(count_tokens, budget)
        window = [turn.content for turn in history]
        kept = [turn.content for turn in context.turns]

        assert sum(map(count_tokens, window)) <= budget
        assert window == kept[len(kept) - len(window) :]
        assert history.text == render_prompt(list(history))  # kept up to date, not redone each turn
        if sum(map(count_tokens, kept)) <= budget // 2:
            assert window == kept  # nothing dropped while everything fits
        if n:
            assert window[-1] == f"answer {n - 1}"
        question = f"question {n} " + "x" * sizes.randrange(0, longest_filler)
        context.record([ChatMessage("user", question), ChatMessage("assistant", f"answer {n}")], None)

    assert len(context.turns) == MAX_TURNS_KEPT
