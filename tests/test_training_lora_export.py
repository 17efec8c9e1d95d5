"""The LoRA GGUF export: llama.cpp with the adapter computes what transformers + peft compute.

smollm2 is a llama-architecture GGUF, whose q/k rows llama.cpp stores permuted; the test also
shows that skipping the permutation of ``lora_B`` makes llama.cpp's logits drift away.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
import numpy.typing as npt
import pytest
import torch

from conversation.llm.models import resolve_model_path
from training import lora_gguf
from training.base_model import plain_model_dir, read_gguf_info
from training.lora_gguf import export_lora_gguf
from training.train import TARGET_MODULES, load_base

pytestmark = pytest.mark.slow
CACHE = Path("~/.cache/chatwright").expanduser()
PROMPT = "<|im_start|>user\nWhat colour is the sky on a clear day?<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def adapted() -> tuple[Path, Any, list[int], dict[str, npt.NDArray[np.float32]]]:
    """smollm2 with a random (non-zero) LoRA on every projection, and the prompt's token ids."""
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict

    gguf_path = resolve_model_path("smollm2-135m", CACHE)
    model, tokenizer = load_base(plain_model_dir(gguf_path, CACHE), threads=2)
    torch.manual_seed(0)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=list(TARGET_MODULES), init_lora_weights=False)
    peft_model = get_peft_model(model, config).eval()
    for name, parameter in peft_model.named_parameters():
        if "lora_" in name:
            torch.nn.init.normal_(parameter, std=0.05)
    ids = tokenizer(PROMPT, add_special_tokens=False)["input_ids"]
    lora = {k: v.detach().numpy() for k, v in get_peft_model_state_dict(peft_model).items()}
    return gguf_path, peft_model, ids, lora


def llama_cpp_logits(gguf_path: Path, adapter: Path | None, ids: list[int]) -> npt.NDArray[np.float32]:
    lora = None if adapter is None else str(adapter)
    llm = llama_cpp.Llama(model_path=str(gguf_path), lora_path=lora, n_ctx=256, n_threads=2, verbose=False)
    try:
        assert adapter is None or llm._lora_adapter, "llama.cpp did not accept the adapter"
        llm.eval(ids)
        logits = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        return np.ctypeslib.as_array(logits, shape=(llm.n_vocab(),)).copy()
    finally:
        llm.close()


def correlation(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_llama_cpp_with_the_exported_adapter_matches_transformers_with_peft(
    adapted: tuple[Path, Any, list[int], dict[str, npt.NDArray[np.float32]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gguf_path, peft_model, ids, lora = adapted
    info = read_gguf_info(gguf_path)
    with torch.inference_mode():
        expected = peft_model(input_ids=torch.tensor([ids])).logits[0, -1].numpy()
        with peft_model.disable_adapter():
            base = peft_model(input_ids=torch.tensor([ids])).logits[0, -1].numpy()
    assert np.abs(expected - base).max() > 2.0  # the adapter really changes the output
    served_base = llama_cpp_logits(gguf_path, None, ids)

    def agreement(adapter: Path) -> float:
        """How well llama.cpp's change of the logits follows the change peft makes."""
        return correlation(llama_cpp_logits(gguf_path, adapter, ids) - served_base, expected - base)

    permuted = agreement(export_lora_gguf(lora, info, 8, tmp_path / "ok.gguf"))
    monkeypatch.setattr(lora_gguf, "PERMUTED_ARCHITECTURES", frozenset())
    unpermuted = agreement(export_lora_gguf(lora, info, 8, tmp_path / "raw.gguf"))
    print(f"adapter effect agreement: permuted {permuted:.4f}, unpermuted {unpermuted:.4f}")
    assert permuted > 0.95
    assert unpermuted < permuted - 0.05
