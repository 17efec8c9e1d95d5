"""The heavy half of a run, in its own low-priority process: train, export, evaluate both versions.

``python -m training.job SPEC.json`` reads a ``JobSpec`` and writes ``metrics.json`` (plus the
adapter GGUF, the peft adapter, the losses and the loss curve) into the spec's output folder.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from training.dataset import read_pairs
from training.train import TrainParams


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What one training process is asked to do."""

    dataset: str
    out: str
    base_gguf: str
    model_dir: str
    serving_adapter: str | None
    """The LoRA GGUF being served now (its peft folder sits beside it), or None for the base."""
    params: dict[str, Any]
    nice: int = 10
    eval_limit: int = 50
    eval_max_tokens: int = 64

    def write(self, path: Path) -> Path:
        """Save as JSON for the child process."""
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        return path


def run_job(spec: JobSpec) -> dict[str, Any]:
    """Train and evaluate as ``spec`` says; returns (and writes) the metrics."""
    from peft import PeftModel, get_peft_model_state_dict  # noqa: PLC0415

    from training.base_model import read_gguf_info  # noqa: PLC0415
    from training.evaluate import answer_metrics, generate_answers  # noqa: PLC0415
    from training.lora_gguf import export_lora_gguf  # noqa: PLC0415
    from training.tokens import encode_pairs, skill_losses  # noqa: PLC0415
    from training.train import load_base, train_adapter  # noqa: PLC0415

    params = TrainParams(**spec.params)
    out, base_gguf = Path(spec.out), Path(spec.base_gguf)
    pairs = read_pairs(Path(spec.dataset))
    train = [pair for pair in pairs if pair.split == "train"]
    test = [pair for pair in pairs if pair.split == "test"]
    model, tokenizer = load_base(Path(spec.model_dir), params.threads)
    candidate, result = train_adapter(model, tokenizer, (train, test), params, out)
    lora = {key: value.detach().numpy() for key, value in get_peft_model_state_dict(candidate).items()}
    adapter = export_lora_gguf(lora, read_gguf_info(base_gguf), params.lora_alpha, out / "adapter.gguf")
    serving_loss = result.held_out_before
    serving_adapter = Path(spec.serving_adapter) if spec.serving_adapter else None
    if serving_adapter is not None:
        base, _ = load_base(Path(spec.model_dir), params.threads)
        serving = PeftModel.from_pretrained(base, serving_adapter.parent / "peft").eval()
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        examples = encode_pairs(tokenizer, test, params.max_length, params.truncation_side)
        serving_loss = skill_losses(serving, examples, pad_id, params.padding_side, params.batch_size)
    sample = test[: spec.eval_limit]
    threads = params.threads or os.cpu_count() or 1
    evaluations = {}
    for name, lora_path, losses in (
        ("serving", serving_adapter, serving_loss),
        ("candidate", adapter, result.held_out_after),
    ):
        answers = generate_answers(base_gguf, lora_path, sample, spec.eval_max_tokens, threads)
        evaluations[name] = {
            "loss": losses,
            "perplexity": {skill: math.exp(min(loss, 50.0)) for skill, loss in losses.items()},
            **answer_metrics(sample, answers),
            "answers": answers,
        }
    metrics = {
        **evaluations,
        "train": {"step_losses": result.step_losses, "seconds_per_step": result.seconds_per_step},
        "pairs": {"train": len(train), "test": len(test), "evaluated": len(sample)},
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return metrics


def main(argv: list[str]) -> int:
    """Entry point of the child process: lower its priority, then run the job."""
    spec = JobSpec(**json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    os.nice(spec.nice)
    run_job(spec)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
