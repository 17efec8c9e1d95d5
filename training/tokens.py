"""Pairs -> token batches with the model's chat template, and the per-pair loss used to compare models.

Only the response tokens are learned (prompt and padding labels are -100). Padding and
truncation side come from the configuration; position ids follow the attention mask, so left
padding does not shift positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from training.dataset import Pair

if TYPE_CHECKING:
    import torch

IGNORE = -100
Side = Literal["left", "right"]


@dataclass(frozen=True, slots=True)
class Example:
    """One tokenised pair."""

    input_ids: list[int]
    labels: list[int]
    skill: str


def encode_pairs(
    tokenizer: Any, pairs: Sequence[Pair], max_length: int, truncation_side: Side
) -> list[Example]:
    """Tokenise each pair as the served chat prompt plus its answer; drop pairs with no answer left."""
    examples = []
    for pair in pairs:
        prompt = tokenizer.apply_chat_template(
            pair.messages(with_response=False), tokenize=False, add_generation_prompt=True
        )
        full = tokenizer.apply_chat_template(pair.messages(), tokenize=False)
        if not full.startswith(prompt):
            raise ValueError("The chat template does not extend the prompt with the answer; cannot mask it.")
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(full[len(prompt) :].rstrip("\n"), add_special_tokens=False)["input_ids"]
        ids = prompt_ids + answer_ids
        labels = [IGNORE] * len(prompt_ids) + answer_ids
        if len(ids) > max_length:
            cut = slice(len(ids) - max_length, None) if truncation_side == "left" else slice(0, max_length)
            ids, labels = ids[cut], labels[cut]
        if any(label != IGNORE for label in labels):
            examples.append(Example(ids, labels, pair.skill))
    return examples


def collate(examples: Sequence[Example], pad_id: int, padding_side: Side) -> dict[str, torch.Tensor]:
    """A padded batch: input_ids, attention_mask, position_ids, labels."""
    import torch  # noqa: PLC0415 - the bot process imports this package without paying for torch

    width = max(len(example.input_ids) for example in examples)
    rows: dict[str, list[list[int]]] = {"input_ids": [], "attention_mask": [], "labels": []}
    for example in examples:
        pad = width - len(example.input_ids)
        parts = {
            "input_ids": (example.input_ids, [pad_id] * pad),
            "attention_mask": ([1] * len(example.input_ids), [0] * pad),
            "labels": (example.labels, [IGNORE] * pad),
        }
        for key, (values, padding) in parts.items():
            rows[key].append(padding + values if padding_side == "left" else values + padding)
    batch = {key: torch.tensor(value) for key, value in rows.items()}
    batch["position_ids"] = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
    return batch


def token_losses(model: Any, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed loss and count of learned tokens per row of ``batch``."""
    import torch  # noqa: PLC0415

    labels = batch["labels"]
    logits = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        position_ids=batch["position_ids"],
    ).logits
    shifted = labels[:, 1:]
    losses = torch.nn.functional.cross_entropy(
        logits[:, :-1].flatten(0, 1).float(), shifted.flatten(), ignore_index=IGNORE, reduction="none"
    ).view(shifted.shape)
    return losses.sum(-1), (shifted != IGNORE).sum(-1)


def skill_losses(
    model: Any, examples: Sequence[Example], pad_id: int, padding_side: Side, batch_size: int
) -> dict[str, float]:
    """Mean token loss per skill and overall (key ``all``), without gradients."""
    import torch  # noqa: PLC0415

    sums: dict[str, list[float]] = {}
    with torch.inference_mode():
        for start in range(0, len(examples), batch_size):
            chunk = examples[start : start + batch_size]
            loss, count = token_losses(model, collate(chunk, pad_id, padding_side))
            for example, row_loss, row_count in zip(chunk, loss.tolist(), count.tolist(), strict=True):
                for key in (example.skill, "all"):
                    total = sums.setdefault(key, [0.0, 0.0])
                    total[0] += row_loss
                    total[1] += row_count
    return {key: total / max(count, 1.0) for key, (total, count) in sorted(sums.items())}
