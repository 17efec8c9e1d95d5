"""LoRA fine-tuning on ~1,000 pairs: time per step and per run, held-out loss, adapter decode speed.

Run: nice -n 10 .venv/bin/python bench/bench_training.py [--steps N] [--threads N] [--qwen-steps N]
The dataset: 1,000 help-desk pairs made from templates (40 topics x 25 phrasings; each answer
names the topic's team, room and extension), split 90/10 by ``assign_splits``. For each model:
held-out loss (a fixed 40-pair sample) before and after N steps (batch 4, up to 128 tokens), the
seconds per step and the run time extrapolated to one epoch: wall time as measured, and process
CPU time / threads, which estimates an idle machine's wall time when other jobs share the cores
(an overestimate where threads spin-wait). For smollm2-135m also the decode
speed of llama.cpp with the exported LoRA GGUF against the base in the same run (baseline), and
the promotion gate's decision on the held-out losses (default margin, single skill).
The 1.5B runs only with --qwen-steps (it needs ~6 GB and minutes per step on 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from conversation.llm.base import ChatMessage, GenerationOptions
from conversation.llm.embedded import LlamaCppBackend
from conversation.llm.models import resolve_model_path
from conversation.settings import Settings
from training.base_model import plain_model_dir, read_gguf_info
from training.dataset import Pair, assign_splits
from training.lora_gguf import export_lora_gguf
from training.train import TrainParams, load_base, train_adapter
from training.versions import judge

CACHE_DIR = Path("~/.cache/chatwright").expanduser()
TOPICS = (
    "parking", "payroll", "holidays", "printers", "badges", "laptops", "coffee", "meetings", "travel", "keys",
    "lockers", "bikes", "plants", "phones", "mail", "desks", "visitors", "training", "security", "recycling",
    "showers", "chairs", "monitors", "wifi", "vpn", "email", "calendar", "expenses", "pensions", "insurance",
    "canteen", "gym", "library", "lifts", "heating", "cleaning", "shipping", "invoices", "contracts",
    "onboarding",
)  # fmt: skip
PHRASINGS = (
    "Who handles {t}?", "Where do I go about {t}?", "I have a question about {t}.", "Help with {t}, please.",
    "Who do I call for {t}?", "Which team owns {t}?", "My {t} issue is urgent.", "Can someone help with {t}?",
    "Is there a contact for {t}?", "What is the process for {t}?", "Where is the {t} team?",
    "{t}: who is responsible?", "I need support with {t}.", "Quick one about {t}.", "Any advice on {t}?",
    "Who can fix {t} problems?", "Where can I report {t} trouble?", "Ticket for {t} - where?",
    "Problem with {t} again.", "Who answers {t} questions?", "Need the {t} contact.",
    "Where to ask about {t}?", "Is {t} handled here?", "Who knows about {t}?",
    "Who should I email about {t}?",
)  # fmt: skip
TEAMS = ("facilities", "finance", "people", "IT", "office")
SYSTEM = "You are the help desk bot of ACME. Answer in one sentence."
EVAL_PAIRS = 40
DECODE_TOKENS = 64


def make_pairs() -> list[Pair]:
    """1,000 pairs: every topic asked 25 ways, each answered the way the help desk always does."""
    pairs = []
    for t_index, topic in enumerate(TOPICS):
        team = TEAMS[t_index % len(TEAMS)]
        answer = f"For {topic}, ask the {team} team in room {100 + t_index}, extension {4000 + 7 * t_index}."
        for p_index, phrasing in enumerate(PHRASINGS):
            pair_id = t_index * len(PHRASINGS) + p_index
            pairs.append(Pair(pair_id, "chat", SYSTEM, phrasing.format(t=topic), answer, 0.0))
    return assign_splits(pairs, 0.1)


def bench_model(name: str, steps: int, threads: int, pairs: list[Pair], out: Path) -> dict[str, Any]:
    """Train ``steps`` steps on ``name``; time them and measure held-out loss before and after."""
    gguf_path = resolve_model_path(name, CACHE_DIR)
    started = time.perf_counter()
    model, tokenizer = load_base(plain_model_dir(gguf_path, CACHE_DIR), threads)
    load_s = time.perf_counter() - started
    train = [p for p in pairs if p.split == "train"]
    test = [p for p in pairs if p.split == "test"][:EVAL_PAIRS]
    params = TrainParams(
        max_steps=steps, epochs=1.0, learning_rate=1e-3, batch_size=4, max_length=128, threads=threads
    )
    peft_model, result = train_adapter(model, tokenizer, (train, test), params, out)
    epoch_steps = math.ceil(len(train) / params.batch_size)
    figures: dict[str, Any] = {
        "model": name,
        "load_s": load_s,
        "s_per_step": result.seconds_per_step,
        "cpu_s_per_step": result.cpu_seconds_per_step,
        "epoch_steps": epoch_steps,
        "epoch_min": epoch_steps * result.seconds_per_step / 60,
        "epoch_min_idle": epoch_steps * result.cpu_seconds_per_step / (os.cpu_count() or 1) / 60,
        "loss_before": result.held_out_before["all"],
        "loss_after": result.held_out_after["all"],
        "steps": steps,
    }
    if name == "smollm2-135m":
        from peft import get_peft_model_state_dict  # noqa: PLC0415

        lora = {k: v.detach().numpy() for k, v in get_peft_model_state_dict(peft_model).items()}
        adapter = export_lora_gguf(lora, read_gguf_info(gguf_path), params.lora_alpha, out / "adapter.gguf")
        figures["base_tok_s"] = asyncio.run(decode_speed(gguf_path, None, threads))
        figures["adapter_tok_s"] = asyncio.run(decode_speed(gguf_path, adapter, threads))
    return figures


async def decode_speed(gguf_path: Path, adapter: Path | None, threads: int) -> float:
    """Greedy decode tokens/s of the served model (best of 3)."""
    backend = LlamaCppBackend(gguf_path, gguf_path.stem, n_ctx=1024, n_threads=threads, lora_path=adapter)
    story = [ChatMessage("user", "Write a long story about a dragon who learns to bake bread.")]
    best = 0.0
    try:
        for _ in range(3):
            done = await backend.complete(story, GenerationOptions(temperature=0.0, max_tokens=DECODE_TOKENS))
            best = max(best, done.completion_tokens / max(done.total_s - done.first_token_s, 1e-9))
    finally:
        await backend.aclose()
    return best


def main() -> None:
    """Print the figures as a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20, help="steps timed on smollm2-135m (0: skip)")
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="torch and llama.cpp threads"
    )
    parser.add_argument("--qwen-steps", type=int, default=0, help="steps timed on qwen2.5-1.5b (0: skip)")
    args = parser.parse_args()
    pairs = make_pairs()
    held_out = sum(p.split == "test" for p in pairs)
    print(f"dataset: {len(pairs)} pairs, {held_out} held out; {args.threads} threads")
    runs = [
        (name, steps)
        for name, steps in (("smollm2-135m", args.steps), ("qwen2.5-1.5b", args.qwen_steps))
        if steps
    ]
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        "| model | steps | s/step (wall) | CPU s/step | 1 epoch (steps) | 1 epoch, wall "
        "| 1 epoch, idle machine | held-out loss before -> after | change |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    decode = ""
    decisions: list[str] = []
    for name, steps in runs:
        with tempfile.TemporaryDirectory() as folder:
            f = bench_model(name, steps, args.threads, pairs, Path(folder))
        change = (f["loss_after"] - f["loss_before"]) / f["loss_before"]
        verdict = judge(
            {
                "serving": {"loss": {"all": f["loss_before"]}, "similarity": {}},
                "candidate": {"loss": {"all": f["loss_after"]}, "similarity": {}},
            },
            Settings.model_fields["training_promote_margin"].default,
            0.0,
        )
        decisions.append(f"{name}: {'promote' if verdict.promote else 'keep serving'} ({verdict.reasons[0]})")
        print(
            f"| {name} | {steps} | {f['s_per_step']:.2f} | {f['cpu_s_per_step']:.2f} | {f['epoch_steps']} | "
            f"{f['epoch_min']:.1f} min | {f['epoch_min_idle']:.1f} min | "
            f"{f['loss_before']:.3f} -> {f['loss_after']:.3f} | {change:+.0%} |",
            flush=True,
        )
        if "adapter_tok_s" in f:
            ratio = f["adapter_tok_s"] / f["base_tok_s"]
            decode = (
                f"decode {name}: base {f['base_tok_s']:.0f} tok/s, "
                f"with adapter {f['adapter_tok_s']:.0f} tok/s ({ratio:.2f}x)"
            )
    print(decode)
    print("promotion gate:", "; ".join(decisions))


if __name__ == "__main__":
    main()
