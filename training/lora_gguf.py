"""A peft LoRA adapter written as a LoRA GGUF that llama.cpp applies next to the unchanged base.

Tensors are named ``<base tensor>.lora_a`` / ``.lora_b`` with gguf's tensor name map; peft's
``lora_A`` (r, in) and ``lora_B`` (out, r) are written untransposed. For llama-architecture
GGUFs llama.cpp's converter permutes the q/k rows (and transformers' GGUF loader undoes it), so
``lora_B`` of q_proj/k_proj is permuted back the same way; qwen2 is stored unpermuted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt

from training.base_model import GgufInfo

PERMUTED_ARCHITECTURES = frozenset({"llama", "mistral"})
"""Architectures whose q/k weights transformers' GGUF loader un-permutes (its LlamaConverter)."""
PEFT_PREFIX = "base_model.model."
Array = npt.NDArray[np.float32]


def permute_rows(weights: Array, n_head: int) -> Array:
    """llama.cpp's converter permutation of attention rows (rotary halves -> interleaved pairs)."""
    rows = weights.shape[0]
    return (
        weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def export_lora_gguf(lora: Mapping[str, Array], info: GgufInfo, alpha: float, out: Path) -> Path:
    """Write the peft state dict ``lora`` (``…lora_A.weight`` / ``…lora_B.weight``) to ``out``."""
    names = gguf.get_tensor_name_map(_arch(info.architecture), info.block_count)
    tensors: dict[str, Array] = {}
    for key, value in sorted(lora.items()):
        module, _, kind = key.removeprefix(PEFT_PREFIX).rpartition(".lora_")
        base_name = names.get_name(f"{module}.weight", try_suffixes=(".weight",))
        if base_name is None:
            raise ValueError(f"The LoRA tensor {key} has no counterpart in a {info.architecture} GGUF.")
        matrix = np.ascontiguousarray(value, dtype=np.float32)
        if kind == "B.weight" and info.architecture in PERMUTED_ARCHITECTURES:
            if module.endswith("q_proj"):
                matrix = permute_rows(matrix, info.head_count)
            elif module.endswith("k_proj"):
                matrix = permute_rows(matrix, info.head_count_kv)
        suffix = {"A.weight": ".lora_a", "B.weight": ".lora_b"}[kind]
        tensors[base_name + suffix] = matrix
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(out, info.architecture)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    for name, matrix in tensors.items():
        writer.add_tensor(name, matrix)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def _arch(name: str) -> gguf.MODEL_ARCH:
    for arch, arch_name in gguf.MODEL_ARCH_NAMES.items():
        if arch_name == name:
            return arch
    raise ValueError(f"gguf does not know the architecture {name!r}.")
