"""LlamaCppBackend against bare llama-cpp-python in the same run, and what prompt-prefix reuse saves.

Run: .venv/bin/python bench/bench_embedded.py [model ...]   (default: smollm2-135m qwen2.5-1.5b)
1. Decode tokens/s and time to first token (TTFT) on the same prompts, streamed, greedy:
   LlamaCppBackend.complete(on_token=...) vs Llama.create_completion(stream=True).
2. TTFT at turn 5 of a conversation, with the conversation state cache vs without it
   (kv_cache_bytes=0: only the live context's common prefix is reused), once with another
   conversation run before each turn and once with 10 conversations interleaved (p50). The
   turns ask for the next turn's opening to be read ahead, as the chat skill does; that is
   done after an answer's last piece, which the last column shows.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from conversation.errors import ConfigError
from conversation.llm.base import ChatMessage, GenerationOptions
from conversation.llm.embedded import LlamaCppBackend
from conversation.llm.models import resolve_model_path

COMMAND = "Run: .venv/bin/python bench/bench_embedded.py [model ...]"
DEFAULT_MODELS = ("smollm2-135m", "qwen2.5-1.5b")
THREADS = os.cpu_count() or 1
CACHE_DIR = Path("~/.cache/chatwright").expanduser()
REPEATS = 10
DECODE_TOKENS = 48
TURNS = 5
CONVERSATIONS = 10
REPLY_TOKENS = 8
STATE_CACHE_BYTES = 512 * 1024 * 1024
PERSONA = (
    "You are the order assistant of a small pizzeria. Menu: pepperoni pizza 12.95/10.00/7.00, "
    "cheese pizza 10.95/9.25/6.50, eggplant pizza 11.95/9.75/6.75 (large/medium/small); fries "
    "4.50/3.50; greek salad 7.25; toppings: extra cheese 2.00, mushrooms 1.50, sausage 3.00, "
    "canadian bacon 3.50, AI sauce 1.50, peppers 1.00; drinks: coke and sprite 3.00/2.00/1.00, "
    "bottled water 5.00. Collect the order, ask about sizes and extras, then summarise it."
)
USER_TURNS = (
    "Hi, I am customer {n}. I would like to order some food for my family tonight.",
    "Customer {n} here again: a large pepperoni pizza with extra cheese, please.",
    "Also a medium cheese pizza with mushrooms and peppers for the kids.",
    "Add two small cokes, a bottled water and a portion of large fries.",
    "That is everything. Can you summarise my order with the total price?",
)


def story_prompt(n: int) -> list[ChatMessage]:
    """A prompt that makes a long answer; ``n`` makes it unique so nothing is reused between runs."""
    return [
        ChatMessage("system", f"Session {n}. You are a storyteller who writes long, detailed stories."),
        ChatMessage("user", "Write a long story about a dragon who learns to bake bread."),
    ]


def row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


class StreamClock:
    """Timestamps of streamed pieces: TTFT and decode speed measured the same way for both sides."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stamps: list[float] = []

    def tick(self) -> None:
        self.stamps.append(time.perf_counter())

    @property
    def ttft(self) -> float:
        return self.stamps[0] - self.started

    @property
    def decode_tokens_per_s(self) -> float:
        return (len(self.stamps) - 1) / (self.stamps[-1] - self.stamps[0])


async def through_backend(backend: LlamaCppBackend, messages: Sequence[ChatMessage]) -> StreamClock:
    clock = StreamClock()

    async def on_token(_piece: str) -> None:
        clock.tick()

    await backend.complete(messages, GenerationOptions(temperature=0.0, max_tokens=DECODE_TOKENS), on_token)
    return clock


def through_bare(
    llm: llama_cpp.Llama, formatter: Jinja2ChatFormatter, messages: Sequence[ChatMessage]
) -> StreamClock:
    chat: list[Any] = [{"role": m.role, "content": m.content} for m in messages]
    prompt = formatter(messages=chat).prompt
    clock = StreamClock()
    for _chunk in llm.create_completion(prompt, max_tokens=DECODE_TOKENS, temperature=0.0, stream=True):
        clock.tick()
    return clock


def bare_model(path: Path) -> tuple[llama_cpp.Llama, Jinja2ChatFormatter]:
    llm = llama_cpp.Llama(
        model_path=str(path), n_ctx=4096, n_threads=THREADS, n_threads_batch=THREADS, verbose=False
    )

    def text(token: int) -> str:
        return llm.detokenize([token], special=True).decode()

    template = llm.metadata["tokenizer.chat_template"]
    return llm, Jinja2ChatFormatter(
        template, eos_token=text(llm.token_eos()), bos_token=text(llm.token_bos())
    )


async def overhead_rows(name: str, path: Path) -> list[str]:
    backend = LlamaCppBackend(path, name, n_threads=THREADS)
    await backend.load()
    bare, formatter = bare_model(path)
    await through_backend(backend, story_prompt(-1))  # warm-up, not counted
    through_bare(bare, formatter, story_prompt(-2))
    ours: list[StreamClock] = []
    theirs: list[StreamClock] = []
    for n in range(REPEATS):  # who goes first alternates, so a slow spell of the machine hits both
        if n % 2:
            theirs.append(through_bare(bare, formatter, story_prompt(2 * n + 1)))
        ours.append(await through_backend(backend, story_prompt(2 * n)))
        if not n % 2:
            theirs.append(through_bare(bare, formatter, story_prompt(2 * n + 1)))
    await backend.aclose()
    bare.close()
    decode = [c.decode_tokens_per_s for c in ours], [c.decode_tokens_per_s for c in theirs]
    ttft = [c.ttft for c in ours], [c.ttft for c in theirs]
    return [
        figure_row(name, "decode tok/s", *decode, "{:.1f}"),
        figure_row(name, "TTFT s, short prompt", *ttft, "{:.3f}"),
    ]


def figure_row(name: str, figure: str, ours: list[float], theirs: list[float], style: str) -> str:
    """Both sides' medians and the median of the pairs' ratios.

    Each pair ran back to back, so a slow spell of the machine hits both of its halves alike.
    """
    ratios = [mine / bare for mine, bare in zip(ours, theirs, strict=True)]
    return row(
        name,
        f"{figure} (median)",
        style.format(statistics.median(ours)),
        style.format(statistics.median(theirs)),
        f"{statistics.median(ratios):.2f}",
    )


@dataclass(frozen=True)
class TurnFigures:
    ttft: float
    prompt_tokens: int
    reused_tokens: int
    after_last_piece: float
    """Seconds from the answer's last streamed piece to its end (the read-ahead is in there)."""


class Conversation:
    """One customer's chat, replayed turn by turn against a backend, as the chat skill asks."""

    def __init__(self, n: int) -> None:
        self.id = f"customer-{n}"
        self.n = n
        self.messages = [ChatMessage("system", PERSONA)]

    async def turn(self, backend: LlamaCppBackend, turn: int) -> TurnFigures:
        """Send turn ``turn`` (0-based)."""
        self.messages.append(ChatMessage("user", USER_TURNS[turn].format(n=self.n)))
        options = GenerationOptions(
            temperature=0.0, max_tokens=REPLY_TOKENS, conversation=self.id, more_turns=True
        )
        clock = StreamClock()

        async def on_token(_piece: str) -> None:
            clock.tick()

        completion = await backend.complete(self.messages, options, on_token)
        ended = time.perf_counter()
        self.messages.append(ChatMessage("assistant", completion.text))
        reused = completion.extra["cached_prefix_tokens"]
        return TurnFigures(
            completion.first_token_s, completion.prompt_tokens, reused, ended - clock.stamps[-1]
        )


async def turn5_after_another(backend: LlamaCppBackend) -> list[TurnFigures]:
    """Turn 5 of one conversation when another conversation used the model before each turn."""
    solo, other = Conversation(0), Conversation(99)
    for turn in range(TURNS - 1):
        await other.turn(backend, turn)
        await solo.turn(backend, turn)
    await other.turn(backend, TURNS - 1)
    return [await solo.turn(backend, TURNS - 1)]


async def turn5_interleaved(backend: LlamaCppBackend) -> list[TurnFigures]:
    """Turn 5 of CONVERSATIONS conversations served round-robin."""
    conversations = [Conversation(n) for n in range(CONVERSATIONS)]
    for turn in range(TURNS - 1):
        for conversation in conversations:
            await conversation.turn(backend, turn)
    return [await c.turn(backend, TURNS - 1) for c in conversations]


async def reuse_rows(name: str, path: Path) -> list[str]:
    rows = []
    for label, scenario in (
        ("turn 5, another conversation before each turn", turn5_after_another),
        (f"turn 5, {CONVERSATIONS} conversations interleaved (p50)", turn5_interleaved),
    ):
        results = []
        for cache_bytes in (STATE_CACHE_BYTES, 0):
            backend = LlamaCppBackend(path, name, n_threads=THREADS, kv_cache_bytes=cache_bytes)
            await backend.load()
            results.append(await scenario(backend))
            await backend.aclose()
        warm, cold = results
        ttft = statistics.median(t.ttft for t in warm), statistics.median(t.ttft for t in cold)
        reused = [round(statistics.median(t.reused_tokens for t in turns)) for turns in (warm, cold)]
        prompt = round(statistics.median(t.prompt_tokens for t in warm))
        figures = (
            f"{ttft[0]:.3f}",
            f"{ttft[1]:.3f}",
            f"{ttft[1] / ttft[0]:.1f}x",
            f"{reused[0]} / {reused[1]} / {prompt}",
            f"{statistics.median(t.after_last_piece for t in warm):.3f}",
        )
        rows.append(row(name, label, *figures))
    return rows


async def main(names: Sequence[str]) -> None:
    print(COMMAND)
    overhead = [
        row("model", "figure", "LlamaCppBackend", "bare llama-cpp-python", "ratio (median of pairs)"),
        row(*["---"] * 5),
    ]
    reuse = [
        row(
            "model",
            "scenario",
            "TTFT s, cache",
            "TTFT s, no cache",
            "speed-up",
            "reused: cache / none / prompt",
            "answer's end after its last piece s, cache",
        ),
        row(*["---"] * 7),
    ]
    for name in names:
        try:
            path = resolve_model_path(name, CACHE_DIR)
        except ConfigError as exc:
            print(f"skipping {name}: {exc}")
            continue
        print(f"measuring {name} ...", flush=True)
        overhead += await overhead_rows(name, path)
        reuse += await reuse_rows(name, path)
    print("\n".join(["", *overhead, "", *reuse]))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or DEFAULT_MODELS))
