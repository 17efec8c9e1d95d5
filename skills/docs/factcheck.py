"""Question files with expected facts, and the check of an answer: facts, file and section cited.

The schema is the dev set's (``../shared/eval/rag/questions.jsonl``): ``q``, ``must``, ``any``,
``source`` (a file stem), ``section`` (``; ``-separated for several), ``kind``. A plain text file
(one question per line) gives questions with nothing to check.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from conversation.errors import BadInput
from skills.docs.passage import Passage

UNANSWERABLE = "unanswerable"


@dataclass(frozen=True, slots=True)
class ExpectedQuestion:
    """A question and what a right answer holds (nothing, for a plain question)."""

    q: str
    id: str = ""
    kind: str = "question"
    must: tuple[str, ...] = ()
    any: bool = False
    source: str | None = None
    sections: tuple[str, ...] = ()

    @property
    def checked(self) -> bool:
        """True when there is something to check the answer against."""
        return bool(self.must) or self.kind == UNANSWERABLE

    @property
    def answerable(self) -> bool:
        """False for questions the documents do not answer."""
        return self.kind != UNANSWERABLE


@dataclass(frozen=True, slots=True)
class FactScore:
    """One answer checked; None where a measure does not apply to the question."""

    facts: bool | None
    file: bool | None
    section: bool | None
    declined: bool


def read_question_file(path: Path) -> list[ExpectedQuestion]:
    """JSON lines with expectations, or one plain question per line (blank lines, ``#`` skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BadInput(f"{path}: cannot read the questions ({error.strerror})") from error
    kept = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not kept:
        raise BadInput(f"{path}: no questions in the file")
    return [_parse(line, n, path) for n, line in enumerate(kept, 1)]


def _parse(line: str, n: int, path: Path) -> ExpectedQuestion:
    if not line.startswith("{"):
        return ExpectedQuestion(q=line, id=f"q{n}")
    try:
        row: dict[str, Any] = json.loads(line)
        return ExpectedQuestion(
            q=str(row["q"]),
            id=str(row.get("id") or f"q{n}"),
            kind=str(row.get("kind") or "question"),
            must=tuple(str(term) for term in row.get("must") or ()),
            any=bool(row.get("any", False)),
            source=row.get("source"),
            sections=tuple(s.strip() for s in str(row.get("section") or "").split(";") if s.strip()),
        )
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise BadInput(f"{path}: question {n} is not a valid JSON question ({error})") from error


def normalise(text: str) -> str:
    """Lower case, hyphens as spaces, whitespace collapsed: how facts are matched."""
    return re.sub(r"\s+", " ", text.lower().replace("-", " ")).strip()


def contains_fact(text: str, term: str) -> bool:
    """True when ``term`` occurs in ``text`` as whole words (after :func:`normalise`)."""
    pattern = r"(?<!\w)" + re.escape(normalise(term)) + r"(?!\w)"
    return re.search(pattern, normalise(text)) is not None


def section_matches(found: str | None, expected: str) -> bool:
    """True when a passage's section is the expected one or inside it (3.2 is inside 3)."""
    if not found:
        return False
    found, expected = found.lower().rstrip(":."), expected.lower().rstrip(":.")
    return found == expected or found.startswith(expected + ".")


def score_answer(
    question: ExpectedQuestion, answer: str, cited: Sequence[Passage], *, declined: bool
) -> FactScore:
    """Check an answer (or, with ``answer=""``, the passages alone) against the question."""
    if not question.answerable:
        return FactScore(None, None, None, declined)
    found = [contains_fact(answer, term) for term in question.must]
    facts = (any(found) if question.any else all(found)) and not declined if answer else None
    from_source = [p for p in cited if PurePath(p.file).stem == question.source]
    section = (
        all(any(section_matches(p.section, s) for p in from_source) for s in question.sections)
        if question.sections
        else None
    )
    return FactScore(facts, bool(from_source), section, declined)


@dataclass(frozen=True, slots=True)
class FactSummary:
    """Rates over a group of checked questions (None where no question in it applies)."""

    questions: int
    facts: float | None
    file: float | None
    section: float | None
    honest_dont_know: float | None
    """Unanswerable questions answered with a don't-know."""
    refused: int
    """Answerable questions answered with a don't-know."""


def summarise(scores: Sequence[FactScore]) -> FactSummary:
    """The rates of ``scores``."""
    answerable = [s for s in scores if s.file is not None]
    unanswerable = [s for s in scores if s.file is None]
    return FactSummary(
        questions=len(scores),
        facts=_rate([s.facts for s in answerable]),
        file=_rate([s.file for s in answerable]),
        section=_rate([s.section for s in answerable]),
        honest_dont_know=_rate([s.declined for s in unanswerable]),
        refused=sum(s.declined for s in answerable),
    )


def _rate(values: Sequence[bool | None]) -> float | None:
    known = [float(v) for v in values if v is not None]
    return statistics.fmean(known) if known else None
