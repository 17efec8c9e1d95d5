"""LlamaCppBackend against the real SmolLM2-135M model (fast enough for CI)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from conversation.errors import BackendUnavailable
from conversation.llm.base import ChatMessage, Completion, GenerationOptions
from conversation.llm.embedded import LlamaCppBackend
from conversation.llm.models import resolve_model_path
from conversation.llm.stops import StopScanner

GREEDY = GenerationOptions(temperature=0.0, max_tokens=24)
QUESTION = [
    ChatMessage("system", "You are a helpful assistant."),
    ChatMessage("user", "Name three colours of the rainbow."),
]


def make_backend(tmp_path: Path, kv_cache_bytes: int = 64 * 1024 * 1024) -> LlamaCppBackend:
    path = resolve_model_path("smollm2-135m", tmp_path)
    return LlamaCppBackend(path, "smollm2-135m", n_ctx=2048, n_threads=2, kv_cache_bytes=kv_cache_bytes)


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[LlamaCppBackend]:
    started = make_backend(tmp_path)
    await started.load()
    yield started
    await started.aclose()


def test_stop_scanner_holds_back_a_possible_stop_and_cuts_at_it() -> None:
    scanner = StopScanner(["END"])

    assert scanner.feed("abc E") == "abc "
    assert scanner.feed("N") == ""
    assert scanner.feed("D and more") == ""
    assert scanner.stopped
    assert scanner.result == "abc "


def test_stop_scanner_releases_a_false_alarm() -> None:
    scanner = StopScanner(["END"])

    assert scanner.feed("EN") == ""
    assert scanner.feed("Xy") == "ENXy"
    assert scanner.feed("E") == ""
    assert scanner.flush() == "E"
    assert not scanner.stopped
    assert scanner.result == "ENXyE"


@pytest.mark.slow
async def test_answers_a_prompt_with_its_figures(backend: LlamaCppBackend) -> None:
    completion = await backend.complete(QUESTION, GREEDY)

    assert completion.text.strip()
    assert completion.model == "smollm2-135m"
    assert completion.prompt_tokens > 10
    assert 0 < completion.completion_tokens <= GREEDY.max_tokens
    assert 0 < completion.first_token_s <= completion.total_s
    assert completion.extra == {"cached_prefix_tokens": 0, "read_ahead_tokens": 0, "version": "base"}


@pytest.mark.slow
async def test_streamed_tokens_join_to_the_completion_text(backend: LlamaCppBackend) -> None:
    pieces: list[str] = []

    async def collect(piece: str) -> None:
        pieces.append(piece)

    completion = await backend.complete(QUESTION, GREEDY, on_token=collect)

    assert len(pieces) > 1
    assert "".join(pieces) == completion.text


@pytest.mark.slow
async def test_generation_does_not_block_the_event_loop(backend: LlamaCppBackend) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    completion = await backend.complete(QUESTION, GenerationOptions(temperature=0.0, max_tokens=64))
    ticker.cancel()

    assert ticks >= completion.total_s / 0.01 / 4


@pytest.mark.slow
async def test_a_stop_sequence_ends_the_completion_before_it(backend: LlamaCppBackend) -> None:
    free = await backend.complete(QUESTION, GREEDY)
    words = free.text.split()
    assert len(words) >= 3
    stop = words[2]
    pieces: list[str] = []

    async def collect(piece: str) -> None:
        pieces.append(piece)

    stopped = await backend.complete(
        QUESTION, GenerationOptions(temperature=0.0, max_tokens=24, stop=[stop]), on_token=collect
    )

    assert stopped.text == free.text[: free.text.index(stop)]
    assert "".join(pieces) == stopped.text


@pytest.mark.slow
async def test_json_schema_output_parses_and_matches(backend: LlamaCppBackend) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    options = GenerationOptions(temperature=0.0, max_tokens=64, json_schema=schema)

    completion = await backend.complete(
        [ChatMessage("user", "What is the capital of France? Answer in JSON.")], options
    )

    data = json.loads(completion.text)
    assert set(data) == {"answer"}
    assert isinstance(data["answer"], str)


async def run_two_interleaved_conversations(backend: LlamaCppBackend) -> tuple[int, int]:
    """Turn 1 of A, turn 1 of B, turn 2 of A: the turn-1 prompt size of A and the prefix turn 2 reused."""
    a1 = [
        ChatMessage("system", "You are a pizza shop assistant."),
        ChatMessage("user", "Do you have pepperoni?"),
    ]
    b1 = [ChatMessage("system", "You translate English to French."), ChatMessage("user", "Good morning!")]
    first = await backend.complete(a1, GenerationOptions(temperature=0.0, max_tokens=16, conversation="a"))
    await backend.complete(b1, GenerationOptions(temperature=0.0, max_tokens=16, conversation="b"))
    a2 = [*a1, ChatMessage("assistant", first.text), ChatMessage("user", "A large one, please.")]
    second = await backend.complete(a2, GenerationOptions(temperature=0.0, max_tokens=16, conversation="a"))
    return first.prompt_tokens, second.extra["cached_prefix_tokens"]


@pytest.mark.slow
async def test_turn_two_reuses_its_prefix_after_another_conversation(backend: LlamaCppBackend) -> None:
    first_prompt_tokens, reused = await run_two_interleaved_conversations(backend)

    assert reused >= first_prompt_tokens
    assert backend.states.total_bytes > 0


@pytest.mark.slow
async def test_without_the_state_cache_turn_two_rereads_its_history(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, kv_cache_bytes=0)
    try:
        first_prompt_tokens, reused = await run_two_interleaved_conversations(backend)
    finally:
        await backend.aclose()

    assert reused < first_prompt_tokens


async def two_chat_turns(backend: LlamaCppBackend, more_turns: bool) -> tuple[Completion, Completion]:
    options = GenerationOptions(temperature=0.0, max_tokens=8, conversation="chat", more_turns=more_turns)
    first = await backend.complete(QUESTION, options)
    follow_up = [*QUESTION, ChatMessage("assistant", first.text), ChatMessage("user", "And one more?")]
    return first, await backend.complete(follow_up, options)


@pytest.mark.slow
async def test_a_chat_turn_reads_the_next_turns_opening_ahead_and_answers_the_same(tmp_path: Path) -> None:
    answers = {}
    for more_turns in (True, False):
        backend = make_backend(tmp_path)
        try:
            answers[more_turns] = await two_chat_turns(backend, more_turns)
        finally:
            await backend.aclose()
    (first, second), (plain_first, plain_second) = answers[True], answers[False]

    assert first.extra["read_ahead_tokens"] == 6  # the answer's last token; "<|im_end|>\n<|im_start|>user\n"
    assert plain_first.extra["read_ahead_tokens"] == 0
    assert second.extra["cached_prefix_tokens"] == plain_second.extra["cached_prefix_tokens"] + 6
    assert (first.text, second.text) == (plain_first.text, plain_second.text)


@pytest.mark.slow
async def test_no_read_ahead_while_another_request_waits(backend: LlamaCppBackend) -> None:
    chat = GenerationOptions(temperature=0.0, max_tokens=8, conversation="chat", more_turns=True)
    waited_for, waiting = await asyncio.gather(
        backend.complete(QUESTION, chat), backend.complete(QUESTION, replace(chat, conversation="other"))
    )

    assert waited_for.extra["read_ahead_tokens"] == 0
    assert waiting.extra["read_ahead_tokens"] == 6


@pytest.mark.slow
async def test_a_tiny_timeout_raises_backend_unavailable(backend: LlamaCppBackend) -> None:
    backend.timeout_s = 0.0001

    with pytest.raises(BackendUnavailable, match="did not answer within"):
        await backend.complete(QUESTION, GREEDY)


@pytest.mark.slow
async def test_a_timeout_stops_a_long_generation_and_the_model_answers_again(
    backend: LlamaCppBackend,
) -> None:
    endless = [QUESTION[0], ChatMessage("user", "Write a very long story about a dragon.")]
    backend.timeout_s = 0.3
    started = time.perf_counter()
    with pytest.raises(BackendUnavailable):
        await backend.complete(endless, GenerationOptions(temperature=0.0, max_tokens=1500))
    assert time.perf_counter() - started < 1.0

    backend.timeout_s = 60
    completion = await backend.complete(QUESTION, GREEDY)
    assert completion.text
    assert completion.total_s < 3.0  # it did not wait for 1,500 tokens of the abandoned request


@pytest.mark.slow
async def test_concurrent_requests_are_served_one_at_a_time(backend: LlamaCppBackend) -> None:
    completions = await asyncio.gather(
        *(backend.complete([ChatMessage("user", f"Say the number {n}.")], GREEDY) for n in range(3))
    )

    assert all(c.text for c in completions)
    for earlier, later in itertools.pairwise(completions):
        assert later.first_token_s > earlier.total_s - 0.05  # the later one waited for the earlier one


@pytest.mark.slow
async def test_a_prompt_longer_than_the_context_is_refused(backend: LlamaCppBackend) -> None:
    too_long = [ChatMessage("user", "pizza " * 2100)]

    with pytest.raises(BackendUnavailable, match="too long"):
        await backend.complete(too_long, GREEDY)


@pytest.mark.slow
async def test_count_tokens_uses_the_model_tokenizer(backend: LlamaCppBackend) -> None:
    assert backend.count_tokens("") == 0
    assert backend.count_tokens("hello world") == 2


@pytest.mark.slow
async def test_a_closed_backend_refuses_work(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    await backend.aclose()

    with pytest.raises(BackendUnavailable, match="closed"):
        await backend.complete(QUESTION, GREEDY)
