"""Property: however users, channels and threads interleave, no prompt holds another scope's text
(on SQLite and on PostgreSQL; one database per module, each example with users of its own)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversation.llm import FakeLLM
from tests.fakes.engines import DATABASES, database_url_for, make_engine, message

SCOPES = st.tuples(
    st.sampled_from(["ann", "bob", "cat"]),
    st.sampled_from(["general", "dm"]),
    st.sampled_from(["", "thread-1"]),
)
EXAMPLES = itertools.count()


@pytest.fixture(scope="module", params=DATABASES)
def shared_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database for every example of the module."""
    with database_url_for(request.param, tmp_path_factory.mktemp("isolation")) as url:
        yield url


async def run_conversations(url: str, plan: list[tuple[tuple[str, str, str], bool]]) -> FakeLLM:
    """Send one uniquely worded message per plan step; ``wait`` steps let earlier ones finish first."""
    llm = FakeLLM()
    example = next(EXAMPLES)
    engine = make_engine(url, llm)
    await engine.start()
    for n, ((user, channel, thread), wait) in enumerate(plan):
        await engine.submit(message(f"word{n}", user=f"{user}{example}", channel=channel, thread=thread))
        if wait:
            await engine.join()
    await engine.join()
    await engine.aclose()
    engine.ledger.engine.dispose()
    return llm


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=st.lists(st.tuples(SCOPES, st.booleans()), min_size=1, max_size=30))
def test_no_prompt_ever_contains_text_of_another_scope(
    shared_url: str, plan: list[tuple[tuple[str, str, str], bool]]
) -> None:
    llm = asyncio.run(run_conversations(shared_url, plan))

    scope_of_word = {f"word{n}": scope for n, (scope, _) in enumerate(plan)}
    assert len(llm.prompts) == len(plan)
    for prompt in llm.prompts:
        asking = scope_of_word[prompt[-1].content]
        for turn in prompt[1:]:
            word = turn.content.removeprefix("echo: ")
            assert scope_of_word[word] == asking, f"{word} leaked into a prompt of {asking}"
