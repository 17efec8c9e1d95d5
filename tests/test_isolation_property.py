"""Property: however users, channels and threads interleave, no prompt holds another scope's text."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversation.llm import FakeLLM
from tests.fakes.engines import make_engine, message, sqlite_url

SCOPES = st.tuples(
    st.sampled_from(["ann", "bob", "cat"]),
    st.sampled_from(["general", "dm"]),
    st.sampled_from(["", "thread-1"]),
)


async def run_conversations(plan: list[tuple[tuple[str, str, str], bool]]) -> FakeLLM:
    """Send one uniquely worded message per plan step; ``wait`` steps let earlier ones finish first."""
    llm = FakeLLM()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(sqlite_url(Path(folder)), llm)
        await engine.start()
        for n, ((user, channel, thread), wait) in enumerate(plan):
            await engine.submit(message(f"word{n}", user=user, channel=channel, thread=thread))
            if wait:
                await engine.join()
        await engine.join()
        await engine.aclose()
    return llm


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(SCOPES, st.booleans()), min_size=1, max_size=30))
def test_no_prompt_ever_contains_text_of_another_scope(plan: list[tuple[tuple[str, str, str], bool]]) -> None:
    llm = asyncio.run(run_conversations(plan))

    scope_of_word = {f"word{n}": scope for n, (scope, _) in enumerate(plan)}
    assert len(llm.prompts) == len(plan)
    for prompt in llm.prompts:
        asking = scope_of_word[prompt[-1].content]
        for turn in prompt[1:]:
            word = turn.content.removeprefix("echo: ")
            assert scope_of_word[word] == asking, f"{word} leaked into a prompt of {asking}"
