"""Switching the served adapter at run time: after the generation in flight, refused when broken."""

from __future__ import annotations

import asyncio
from pathlib import Path

import gguf
import numpy as np
import pytest

from conversation.errors import BackendUnavailable
from conversation.llm import ChatMessage, GenerationOptions
from conversation.llm.models import resolve_model_path
from tests.fakes.models import small_model
from training.base_model import read_gguf_info
from training.lora_gguf import export_lora_gguf

pytestmark = pytest.mark.slow
PROMPT = [ChatMessage("user", "Write a short poem about the sea.")]
GREEDY = GenerationOptions(temperature=0.0, max_tokens=32)
MODULES = {"self_attn.q_proj": "attn_q", "self_attn.v_proj": "attn_v", "mlp.up_proj": "ffn_up"}


def random_adapter(path: Path, rank: int = 4) -> Path:
    """A LoRA GGUF with random weights for smollm2 (no training needed to change its answers)."""
    base = resolve_model_path("smollm2-135m", Path("~/.cache/chatwright").expanduser())
    tensors = gguf.GGUFReader(base).tensors
    shapes = {t.name: (int(t.shape[1]), int(t.shape[0])) for t in tensors if len(t.shape) == 2}
    info = read_gguf_info(base)
    rng = np.random.default_rng(0)
    lora = {}
    for block in range(info.block_count):
        for module, gguf_name in MODULES.items():
            out_dim, in_dim = shapes[f"blk.{block}.{gguf_name}.weight"]
            prefix = f"base_model.model.model.layers.{block}.{module}"
            lora[f"{prefix}.lora_A.weight"] = rng.normal(0, 0.05, (rank, in_dim)).astype(np.float32)
            lora[f"{prefix}.lora_B.weight"] = rng.normal(0, 0.05, (out_dim, rank)).astype(np.float32)
    return export_lora_gguf(lora, info, 2 * rank, path)


async def test_a_switch_waits_for_the_generation_in_flight_then_serves_the_adapter(tmp_path: Path) -> None:
    backend = small_model(tmp_path)
    try:
        base_text = (await backend.complete(PROMPT, GREEDY)).text
        in_flight = asyncio.create_task(backend.complete(PROMPT, GREEDY))
        await asyncio.sleep(0)  # the generation is queued first
        await backend.use_adapter(random_adapter(tmp_path / "a.gguf"), "v7")
        assert (await in_flight).text == base_text
        adapted = await backend.complete(PROMPT, GREEDY)
        assert backend.version == "v7"
        assert adapted.extra["version"] == "v7"
        assert adapted.text != base_text
        await backend.use_adapter(None, "base")
        assert (await backend.complete(PROMPT, GREEDY)).text == base_text
    finally:
        await backend.aclose()


async def test_an_adapter_llama_cpp_rejects_is_refused_and_the_served_version_stays(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.gguf"
    writer = gguf.GGUFWriter(wrong, "llama")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 8.0)
    writer.add_tensor("blk.0.no_such_tensor.weight.lora_a", np.zeros((4, 8), dtype=np.float32))
    writer.add_tensor("blk.0.no_such_tensor.weight.lora_b", np.zeros((8, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    backend = small_model(tmp_path)
    try:
        base_text = (await backend.complete(PROMPT, GREEDY)).text
        with pytest.raises(BackendUnavailable, match="does not fit"):
            await backend.use_adapter(wrong, "v8")
        assert backend.version == "base"
        assert (await backend.complete(PROMPT, GREEDY)).text == base_text
    finally:
        await backend.aclose()
