"""Fine-tune a LoRA adapter on the train split with peft; log the loss per step and draw its curve."""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from training.dataset import Pair
from training.tokens import Side, collate, encode_pairs, skill_losses

log = logging.getLogger(__name__)
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True, slots=True)
class TrainParams:
    """Everything a training run is configured by (from the ``training_*`` settings)."""

    max_steps: int = 200
    epochs: float = 3.0
    learning_rate: float = 2e-4
    batch_size: int = 4
    max_length: int = 512
    padding_side: Side = "right"
    truncation_side: Side = "left"
    lora_rank: int = 8
    lora_alpha: int = 16
    threads: int = 0
    seed: int = 0

    def steps_for(self, train_examples: int) -> int:
        """``max_steps``, or fewer when ``epochs`` passes over the data end sooner."""
        per_epoch = math.ceil(train_examples / self.batch_size)
        return max(1, min(self.max_steps, math.ceil(per_epoch * self.epochs)))


@dataclass(frozen=True, slots=True)
class TrainResult:
    """The per-step training losses and the held-out losses (per skill) before and after."""

    step_losses: list[float]
    seconds_per_step: float
    cpu_seconds_per_step: float
    """Process CPU time per step: with the machine to itself, wall time is about this / threads."""
    held_out_before: dict[str, float]
    held_out_after: dict[str, float]


def load_base(model_dir: Path, threads: int) -> tuple[Any, Any]:
    """The plain transformers model and tokenizer from ``base_model.plain_model_dir``."""
    import torch  # noqa: PLC0415
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: PLC0415

    if threads:
        torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, dtype=torch.float32)
    return model, tokenizer


def train_adapter(
    model: Any, tokenizer: Any, pairs: tuple[list[Pair], list[Pair]], params: TrainParams, out: Path
) -> tuple[Any, TrainResult]:
    """Train a LoRA on ``model`` with (train, held-out) ``pairs``.

    Saves the peft adapter (``peft/``), ``losses.json`` and ``loss_curve.png`` in ``out``.
    """
    train, test = pairs
    import torch  # noqa: PLC0415
    from peft import LoraConfig, get_peft_model  # noqa: PLC0415
    from tqdm import tqdm  # noqa: PLC0415

    torch.manual_seed(params.seed)
    rng = random.Random(params.seed)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    train_examples = encode_pairs(tokenizer, train, params.max_length, params.truncation_side)
    test_examples = encode_pairs(tokenizer, test, params.max_length, params.truncation_side)
    if not train_examples or not test_examples:
        raise ValueError("Training needs at least one train and one held-out pair with an answer.")
    model.eval()
    before = skill_losses(model, test_examples, pad_id, params.padding_side, params.batch_size)
    peft_model = get_peft_model(
        model,
        LoraConfig(
            r=params.lora_rank,
            lora_alpha=params.lora_alpha,
            lora_dropout=0.0,
            target_modules=list(TARGET_MODULES),
            task_type="CAUSAL_LM",
        ),
    )
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=params.learning_rate)
    steps = params.steps_for(len(train_examples))
    order: list[int] = []
    losses: list[float] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    peft_model.train()
    for step in (bar := tqdm(range(1, steps + 1), desc="LoRA", unit="step")):
        if len(order) < params.batch_size:
            order += rng.sample(range(len(train_examples)), len(train_examples))
        chosen, order = order[: params.batch_size], order[params.batch_size :]
        batch = collate([train_examples[i] for i in chosen], pad_id, params.padding_side)
        loss = peft_model(**batch).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        losses.append(float(loss.detach()))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        log.info("step %d/%d loss %.4f", step, steps, losses[-1])
    seconds_per_step = (time.perf_counter() - started) / steps
    cpu_seconds_per_step = (time.process_time() - cpu_started) / steps
    peft_model.eval()
    after = skill_losses(peft_model, test_examples, pad_id, params.padding_side, params.batch_size)
    result = TrainResult(losses, seconds_per_step, cpu_seconds_per_step, before, after)
    out.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(out / "peft"))
    (out / "losses.json").write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")
    draw_loss_curve(losses, out / "loss_curve.png")
    return peft_model, result


def draw_loss_curve(losses: list[float], path: Path) -> Path:
    """A PNG of the training loss per step."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    figure, axes = pyplot.subplots(figsize=(6, 3.5))
    axes.plot(range(1, len(losses) + 1), losses, marker=".")
    axes.set_xlabel("step")
    axes.set_ylabel("training loss")
    axes.set_title("LoRA training loss")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path
