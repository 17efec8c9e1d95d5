"""The serving GGUF as a plain transformers model (dequantised), cached on disk after the first load.

transformers loads a GGUF dequantised but marks the model as quantised and refuses to save it,
so the weights are copied into a model built from the config without ``quantization_config``.
Converting the GGUF tokenizer is slow (about a minute); the cache makes later runs quick.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf


@dataclass(frozen=True, slots=True)
class GgufInfo:
    """What the adapter export needs to know about the base GGUF."""

    architecture: str
    block_count: int
    head_count: int
    head_count_kv: int


def read_gguf_info(path: Path) -> GgufInfo:
    """The architecture and attention shape recorded in a GGUF's metadata."""
    reader = gguf.GGUFReader(path)

    def field(key: str) -> Any:
        found = reader.get_field(key)
        if found is None:
            raise ValueError(f"{path} has no {key} in its metadata")
        return found.contents()

    arch = str(field("general.architecture"))
    heads = int(field(f"{arch}.attention.head_count"))
    kv = reader.get_field(f"{arch}.attention.head_count_kv")
    return GgufInfo(arch, int(field(f"{arch}.block_count")), heads, int(kv.contents()) if kv else heads)


def plain_model_dir(gguf_path: Path, cache_dir: Path) -> Path:
    """A transformers folder (weights + tokenizer) holding the GGUF's weights, made once."""
    target = cache_dir / "hf" / f"{gguf_path.stem}-{gguf_path.stat().st_size}"
    if (target / "done.json").is_file():
        return target
    import torch  # noqa: PLC0415 - heavy; only training pays for it
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer  # noqa: PLC0415

    folder, name = gguf_path.parent, gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)  # type: ignore[no-untyped-call]
    model.load_state_dict(loaded.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "done.json").write_text(json.dumps({"gguf": str(gguf_path)}), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
