"""Transcripts -> instruction/response pairs per skill, filtered, scrubbed, de-duplicated, split.

Kept: answers the model wrote, with outcome ``ok``, no thumbs-down on any of their delivered
replies, from users who neither opted out nor were forgotten, on a platform among the training
sources (``storage.training_sources``: Slack and Discord only once an admin enabled them). The
instruction is the user's turn, the response the answer, the system prompt the one the skill used
(parsed from the stored prompt).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from storage.tables import feedback, outbox, transcripts, turns, users
from training.scrub import Scrubber

SHINGLE_CHARS = 5
WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Pair:
    """One training example."""

    id: int
    skill: str
    system: str
    instruction: str
    response: str
    created_at: float
    split: str = "train"

    def messages(self, *, with_response: bool = True) -> list[dict[str, str]]:
        """The chat messages of this pair, as the serving prompt has them."""
        chat = [{"role": "system", "content": self.system}] if self.system else []
        chat.append({"role": "user", "content": self.instruction})
        if with_response:
            chat.append({"role": "assistant", "content": self.response})
        return chat


@dataclass(frozen=True, slots=True)
class Dataset:
    """The kept pairs and how many rows each filter dropped."""

    pairs: list[Pair]
    manifest: dict[str, Any]

    def split(self, name: str) -> list[Pair]:
        """The pairs of one split (``train`` or ``test``)."""
        return [pair for pair in self.pairs if pair.split == name]


def build_dataset(
    database: sa.Engine,
    *,
    test_fraction: float,
    near_duplicate_threshold: float,
    sources: Collection[str],
    since: float = 0.0,
) -> Dataset:
    """Read the transcripts and apply every filter; ``since`` only feeds the ``new_pairs`` count.

    ``sources``: the platforms whose transcripts may be used (``storage.training_sources``).
    """
    dropped: Counter[str] = Counter()
    scrubber = Scrubber()
    candidates: list[Pair] = []
    rows = _read_rows(database)
    for row in rows:
        reason = _drop_reason(row) or ("" if row["platform"] in sources else "not_a_training_source")
        if reason:
            dropped[reason] += 1
            continue
        candidates.append(
            Pair(
                id=row["id"],
                skill=row["skill"],
                system=scrubber.scrub(_system_prompt(row["prompt"])),
                instruction=scrubber.scrub(row["instruction"]),
                response=scrubber.scrub(row["output"]),
                created_at=row["created_at"],
            )
        )
    kept = _deduplicate(candidates, near_duplicate_threshold, dropped)
    pairs = assign_splits(kept, test_fraction)
    manifest: dict[str, Any] = {
        "transcripts": len(rows),
        "dropped": dict(sorted(dropped.items())),
        "scrubbed": {tag: count for tag, count in sorted(scrubber.counts.items()) if count},
        "kept": len(pairs),
        "new_pairs": sum(1 for pair in pairs if pair.created_at > since),
        "per_skill": dict(sorted(Counter(pair.skill for pair in pairs).items())),
        "train": sum(1 for pair in pairs if pair.split == "train"),
        "test": sum(1 for pair in pairs if pair.split == "test"),
    }
    return Dataset(pairs, manifest)


def write_dataset(dataset: Dataset, folder: Path) -> Path:
    """Write ``dataset.jsonl`` and ``manifest.json`` into ``folder``; returns the JSONL path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dataset.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for pair in dataset.pairs:
            out.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")
    (folder / "manifest.json").write_text(json.dumps(dataset.manifest, indent=2), encoding="utf-8")
    return path


def read_pairs(path: Path) -> list[Pair]:
    """The pairs of a ``dataset.jsonl``; a malformed line raises ValueError naming it."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            pairs.append(Pair(**json.loads(line)))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}:{number}: not a training pair ({error})") from None
    return pairs


def assign_splits(pairs: Sequence[Pair], test_fraction: float) -> list[Pair]:
    """Hold out about ``test_fraction`` of each skill's pairs (stable: chosen by a hash of the id).

    A skill with two or more pairs always keeps at least one in each split, so every skill is
    evaluated.
    """
    by_skill: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_skill.setdefault(pair.skill, []).append(pair)
    result: list[Pair] = []
    for group in by_skill.values():
        ranked = sorted(group, key=lambda p: hashlib.sha256(str(p.id).encode()).digest())
        held = round(len(group) * test_fraction)
        if len(group) >= 2:
            held = min(max(held, 1), len(group) - 1)
        test_ids = {pair.id for pair in ranked[:held]}
        result += [_with_split(pair, "test" if pair.id in test_ids else "train") for pair in group]
    return sorted(result, key=lambda pair: pair.id)


def _with_split(pair: Pair, split: str) -> Pair:
    return Pair(**{**asdict(pair), "split": split})


def _read_rows(database: sa.Engine) -> list[dict[str, Any]]:
    user_turn = (
        sa.select(turns.c.text)
        .where(turns.c.inbox_id == transcripts.c.inbox_id, turns.c.role == "user")
        .order_by(turns.c.id)
        .limit(1)
        .scalar_subquery()
    )
    thumbs_down = (
        sa.select(feedback.c.id)
        .join(outbox, outbox.c.id == feedback.c.outbox_id)
        .where(outbox.c.inbox_id == transcripts.c.inbox_id, feedback.c.value < 0)
        .exists()
    )
    query = (
        sa.select(
            transcripts.c.id,
            transcripts.c.skill,
            transcripts.c.prompt,
            transcripts.c.output,
            transcripts.c.outcome,
            transcripts.c.model,
            transcripts.c.created_at,
            transcripts.c.platform,
            user_turn.label("instruction"),
            thumbs_down.label("thumbs_down"),
            sa.func.coalesce(users.c.opted_out, False).label("opted_out"),
            users.c.forgotten_at,
        )
        .select_from(
            transcripts.outerjoin(
                users,
                sa.and_(users.c.platform == transcripts.c.platform, users.c.user_id == transcripts.c.user_id),
            )
        )
        .order_by(transcripts.c.id)
    )
    with database.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _drop_reason(row: dict[str, Any]) -> str:
    if row["outcome"] != "ok":
        return "error"
    if row["forgotten_at"] is not None:
        return "forgotten"
    if row["opted_out"]:
        return "opted_out"
    if not row["model"]:
        return "no_model_call"  # admin commands, code-only answers: nothing the model said
    if row["thumbs_down"]:
        return "thumbs_down"
    if not row["skill"] or not row["instruction"] or not row["output"].strip():
        return "empty"
    return ""


def _system_prompt(prompt: str) -> str:
    """The leading ``[system]`` block of a stored prompt (see ``skills.base.render_prompt``)."""
    if not prompt.startswith("[system] "):
        return ""
    body = prompt.removeprefix("[system] ")
    ends = [i for marker in ("\n[user] ", "\n[assistant] ") if (i := body.find(marker)) >= 0]
    return body[: min(ends)] if ends else body


def _deduplicate(pairs: Iterable[Pair], threshold: float, dropped: Counter[str]) -> list[Pair]:
    """Drop exact duplicates (normalised text) and near duplicates (character-shingle Jaccard)."""
    seen: set[str] = set()
    kept: list[tuple[Pair, frozenset[str]]] = []
    for pair in pairs:
        words = WORD.findall(f"{pair.skill} {pair.instruction} || {pair.response}".lower())
        key = " ".join(words)
        if key in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(key)
        shingles = _shingles(key)
        if any(
            other.skill == pair.skill and _jaccard(shingles, theirs) >= threshold for other, theirs in kept
        ):
            dropped["near_duplicate"] += 1
            continue
        kept.append((pair, shingles))
    return [pair for pair, _ in kept]


def _shingles(text: str) -> frozenset[str]:
    if len(text) <= SHINGLE_CHARS:
        return frozenset([text])
    return frozenset(text[i : i + SHINGLE_CHARS] for i in range(len(text) - SHINGLE_CHARS + 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b)
