"""Keep llama-index, tiktoken, NLTK and TruLens on the machine: data from llama-index's bundle.

Call :func:`prepare_offline` before importing anything that reads tiktoken or NLTK data.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path
from typing import Any


def _static_dir() -> Path:
    """llama-index's bundled data folder, located without importing the package."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llama-index-core is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "_static"


@cache
def prepare_offline() -> None:
    """Point tiktoken and NLTK at the bundled data and keep llama-index away from OpenAI (once)."""
    static = _static_dir()
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(static / "tiktoken_cache"))
    os.environ.setdefault("NLTK_DATA", str(static / "nltk_cache"))
    import nltk  # noqa: PLC0415 - only after NLTK_DATA is set

    if str(static / "nltk_cache") not in nltk.data.path:
        nltk.data.path.append(str(static / "nltk_cache"))
    real_download = nltk.download

    def download_only_when_missing(info_or_id: Any = None, *args: Any, **kwargs: Any) -> bool:
        # TruLens calls nltk.download("punkt_tab") before every groundedness check, and NLTK
        # always fetches its index from GitHub first, even when the data is installed.
        if isinstance(info_or_id, str) and _nltk_has(info_or_id):
            return True
        return bool(real_download(info_or_id, *args, **kwargs))

    nltk.download = download_only_when_missing

    from llama_index.core import Settings  # noqa: PLC0415
    from llama_index.core.llms import MockLLM  # noqa: PLC0415

    from skills.docs.embedding import MiniLMEmbedding  # noqa: PLC0415

    Settings.llm = MockLLM()
    Settings.embed_model = MiniLMEmbedding()


def _nltk_has(name: str) -> bool:
    import nltk  # noqa: PLC0415

    for folder in ("tokenizers", "corpora"):
        try:
            nltk.data.find(f"{folder}/{name}")
        except LookupError:
            continue
        return True
    return False
