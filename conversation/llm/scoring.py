"""Log-probabilities of texts under a llama.cpp model, reusing the KV cache between candidates.

Candidates that differ in one place (proofreading's alternatives) share their tokens up to that
place, so only the tokens from one before the first difference are read again for each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from conversation.llm.kv_cache import common_prefix_length


def score_continuations(
    llm: Any, context: Sequence[int], continuations: Sequence[Sequence[int]]
) -> list[float]:
    """The summed log-probability of each token list after ``context`` on ``llm`` (a ``llama_cpp.Llama``).

    Leaves ``llm``'s state consistent (``input_ids``/``n_tokens`` say what its KV cache holds), so
    a later generation reuses whatever prefix it shares.
    """
    known: dict[int, float] = {}
    """Position -> log-probability of the token the KV cache holds there, for positions read this call."""
    first = max(len(context), 1)
    scores = []
    for continuation in continuations:
        tokens = [*context, *continuation]
        shared = common_prefix_length(llm.input_ids[: llm.n_tokens].tolist(), tokens)
        known = {position: value for position, value in known.items() if position < shared}
        missing = [position for position in range(first, len(tokens)) if position not in known]
        if missing:
            start = missing[0] - 1
            if shared < start:
                llm.n_tokens = shared
                llm.eval(tokens[shared:start])
            known.update(_read(llm, tokens, start))
        scores.append(sum(known[position] for position in range(first, len(tokens))))
    return scores


def _read(llm: Any, tokens: list[int], start: int) -> dict[int, float]:
    """Decode ``tokens[start:]`` after the cached ``tokens[:start]``: position -> its token's log-probability.

    The positions are ``start + 1 .. len(tokens) - 1``.
    """
    llm.n_tokens = start
    llm._ctx.kv_cache_seq_rm(-1, start, -1)
    values: dict[int, float] = {}
    for begin in range(start, len(tokens), llm.n_batch):
        batch = tokens[begin : begin + llm.n_batch]
        llm._batch.set_batch(batch=batch, n_past=begin, logits_all=True)
        llm._ctx.decode(llm._batch)
        logits: npt.NDArray[np.float32] = np.ctypeslib.as_array(
            llm._ctx.get_logits(), shape=(len(batch) * llm.n_vocab(),)
        ).reshape(len(batch), -1)
        llm.input_ids[begin : begin + len(batch)] = batch
        llm.n_tokens = begin + len(batch)
        following = tokens[begin + 1 : begin + len(batch) + 1]
        for offset, value in enumerate(_logprobs(logits[: len(following)], following)):
            values[begin + 1 + offset] = value
    llm._requires_eval = True  # the logits left are a batch's, not a generation's
    return values


def _logprobs(logits: npt.NDArray[np.float32], following: Sequence[int]) -> list[float]:
    """Log softmax(logits[i])[following[i]] for each row."""
    rows = logits.astype(np.float64)
    peak = rows.max(axis=1, keepdims=True)
    normaliser = peak[:, 0] + np.log(np.exp(rows - peak).sum(axis=1))
    picked = rows[np.arange(len(following)), list(following)]
    return [float(value) for value in picked - normaliser]
