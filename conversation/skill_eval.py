"""``chatwright eval skills``: labelled cases per skill, run through a real engine, scored by code.

Every case is a short conversation sent to a fresh engine (on a throw-away database, so eval
turns never reach the transcripts that training reads); the replies to its last turn are checked.
The result per skill is a pass rate and the mean time per turn; it can be recorded in
``eval_runs`` (kind "skills", subject the model name) so model versions can be compared.
"""

from __future__ import annotations

import asyncio
import math
import re
import statistics
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError, field_validator

from conversation.engine import Engine
from conversation.errors import ConfigError
from conversation.eval_harness import PLATFORM, ReplyCollector, record_eval_run, scratch_engine, share
from conversation.llm.base import LLM
from conversation.settings import Settings, load_settings
from conversation.types import Message, Reply
from skills.translate import DEFAULT_LANGUAGES, Detector
from skills.translate.languages import code_of

KIND = "skills"
DETECT = "detect"
"""The row of the offline language detector (the translate skill's, no model)."""


class Check(BaseModel):
    """One condition on a field of the last turn's replies: "text" or "data.<dotted path>"."""

    field: str = "text"
    equals: Any = None
    approx: float | None = None
    contains: list[str] = Field(default_factory=list)
    contains_any: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)
    last_line: str | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str) -> str:
        if name not in {"text", "data"} and not name.startswith("data."):
            raise ValueError(f'field {name!r}: use "text" or "data.<path>"')
        return name

    def failures(self, replies: Sequence[Reply]) -> list[str]:
        """What does not hold, as short sentences (empty when the check passes)."""
        value = _field(replies, self.field)
        text = "" if value is None else str(value)
        said, lowered = f"{self.field}={text!r}", text.lower()
        failed = []
        if self.equals is not None and value != self.equals:
            failed.append(f"{said}, expected {self.equals!r}")
        if self.approx is not None and not _close(value, self.approx):
            failed.append(f"{said}, expected {self.approx}")
        failed += [f"{said} lacks {w!r}" for w in self.contains if w.lower() not in lowered]
        if self.contains_any and not any(w.lower() in lowered for w in self.contains_any):
            failed.append(f"{said} has none of {self.contains_any}")
        failed += [f"{said} has {w!r}" for w in self.excludes if w.lower() in lowered]
        if self.last_line is not None and _last_line(text) != self.last_line.lower():
            failed.append(f"{said} does not end with {self.last_line!r}")
        return failed


class Reference(BaseModel):
    """A reference answer: the meaning score is chrF (sacrebleu) of the field against it."""

    field: str
    text: str


class SkillCase(BaseModel):
    """A labelled conversation for one skill."""

    skill: str
    name: str
    group: str = ""
    """What the case measures within its skill (an error type, a language); reported per group."""
    turns: list[str] = Field(min_length=1)
    checks: list[Check] = Field(min_length=1)
    reference: Reference | None = None


class DetectCase(BaseModel):
    """A text and its language (ISO 639-1), for the offline detector alone."""

    text: str
    language: str


class CaseFile(BaseModel):
    """The TOML file of cases."""

    case: list[SkillCase] = Field(min_length=1)
    detect: list[DetectCase] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case's outcome."""

    case: SkillCase
    failures: list[str]
    turn_seconds: list[float]
    first_output_seconds: list[float] = field(default_factory=list)
    """Per turn: from the message until the first text of its answer (streamed or whole)."""
    meaning: float | None = None
    """chrF (0-100) of the answer against the case's reference, when it has one."""

    @property
    def passed(self) -> bool:
        """Whether every check held."""
        return not self.failures


@dataclass(frozen=True, slots=True)
class SkillScore:
    """The row of one skill in the table."""

    skill: str
    cases: int
    passed: int
    mean_turn_s: float
    p50_first_output_s: float

    @property
    def pass_rate(self) -> float:
        """Passed cases over cases."""
        return share(self.passed, self.cases)


@dataclass(slots=True)
class SkillEvalReport:
    """Every case's result for one model."""

    model: str
    results: list[CaseResult] = field(default_factory=list)
    detections: list[tuple[DetectCase, str | None]] = field(default_factory=list)
    """The offline detector's answer (a code, or None) for each detection case."""
    detect_seconds: float = 0.0

    def scores(self) -> list[SkillScore]:
        """One row per skill, in the order the cases name them, then the detector's row."""
        skills = dict.fromkeys(r.case.skill for r in self.results)
        rows = []
        for skill in skills:
            mine = [r for r in self.results if r.case.skill == skill]
            turns = [s for r in mine for s in r.turn_seconds]
            mean = sum(turns) / len(turns) if turns else 0.0
            first = [s for r in mine for s in r.first_output_seconds]
            p50 = statistics.median(first) if first else 0.0
            rows.append(SkillScore(skill, len(mine), sum(r.passed for r in mine), mean, p50))
        if self.detections:
            right = sum(case.language == found for case, found in self.detections)
            per_text = self.detect_seconds / len(self.detections)
            rows.append(SkillScore(DETECT, len(self.detections), right, per_text, per_text))
        return rows

    def pass_rates(self) -> dict[str, float]:
        """Skill -> pass rate."""
        return {row.skill: row.pass_rate for row in self.scores()}

    def table(self) -> str:
        """The scores as a Markdown table, then one line per failed case."""
        lines = [
            f"model: {self.model}",
            "| skill | cases | passed | pass rate | mean time per turn | p50 to first text |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.skill} | {r.cases} | {r.passed} | {r.pass_rate:.0%} | {r.mean_turn_s:.2f} s "
            f"| {r.p50_first_output_s:.2f} s |"
            for r in self.scores()
        ]
        groups = group_scores(self.results)
        if groups:
            lines += [
                "",
                "| skill / group | cases | passed | pass rate | meaning (chrF) | mean time per turn |",
                "|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {g.skill} / {g.group} | {g.cases} | {g.passed} | {share(g.passed, g.cases):.0%} "
                f"| {'' if g.meaning is None else f'{g.meaning:.1f}'} | {g.mean_turn_s:.2f} s |"
                for g in groups
            ]
        failed = [r for r in self.results if not r.passed]
        lines += [f"FAILED {r.case.skill} / {r.case.name}: {'; '.join(r.failures)}" for r in failed]
        lines += [
            f"FAILED {DETECT}: {case.text!r} is {case.language}, detected {found}"
            for case, found in self.detections
            if found != case.language
        ]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class GroupScore:
    """One group's row: pass rate, mean meaning score (None without references), time per turn."""

    skill: str
    group: str
    cases: int
    passed: int
    meaning: float | None
    mean_turn_s: float


def group_scores(results: Sequence[CaseResult]) -> list[GroupScore]:
    """One row per (skill, group) of the cases that name a group, then one per skill of them all."""
    keys = dict.fromkeys((r.case.skill, r.case.group) for r in results if r.case.group)
    rows = [
        _group_row(skill, group, [r for r in results if (r.case.skill, r.case.group) == (skill, group)])
        for skill, group in keys
    ]
    for skill in dict.fromkeys(skill for skill, _ in keys):
        rows.append(_group_row(skill, "all", [r for r in results if r.case.skill == skill and r.case.group]))
    return rows


def _group_row(skill: str, group: str, mine: Sequence[CaseResult]) -> GroupScore:
    meanings = [r.meaning for r in mine if r.meaning is not None]
    turns = [s for r in mine for s in r.turn_seconds]
    return GroupScore(
        skill,
        group,
        len(mine),
        sum(r.passed for r in mine),
        statistics.fmean(meanings) if meanings else None,
        statistics.fmean(turns) if turns else 0.0,
    )


def load_cases(path: Path | None = None) -> CaseFile:
    """The cases in ``path``, or the ones shipped beside this module."""
    try:
        if path is None:
            text = files("conversation").joinpath("skill_eval_cases.toml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return CaseFile.model_validate(tomllib.loads(text))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise ConfigError(f"The skill eval cases {path or 'shipped'} are not valid: {error}") from error


async def evaluate_skills(
    llm: LLM,
    settings: Settings,
    cases: Sequence[SkillCase],
    on_result: Callable[[CaseResult], None] | None = None,
    detections: Sequence[DetectCase] = (),
) -> SkillEvalReport:
    """Run ``cases`` through an engine on ``llm`` built from ``settings`` on a temporary database.

    A model failure or timeout is not retried: it fails its case (``on_result`` sees each case).
    ``detections`` go to the translate skill's offline detector alone (no model involved).
    """
    report = SkillEvalReport(llm.name)
    if detections:
        detector = Detector(tuple(settings.detect_languages or DEFAULT_LANGUAGES))
        started = time.perf_counter()
        for detection in detections:
            found = await asyncio.to_thread(detector.detect, detection.text)
            report.detections.append((detection, None if found is None else code_of(found)))
        report.detect_seconds = time.perf_counter() - started
    async with scratch_engine(settings, llm, intent_classifier=False) as (engine, sink):
        for number, case in enumerate(cases):
            result = await _run_case(engine, sink, number, case)
            report.results.append(result)
            if on_result is not None:
                on_result(result)
    return report


async def run_skill_eval(
    llm: LLM,
    settings: Settings | None = None,
    cases: Sequence[SkillCase] | None = None,
    record_to: sa.Engine | None = None,
) -> dict[str, float]:
    """Skill -> pass rate of ``llm`` on the shipped cases (or ``cases``), recorded when asked."""
    report = await evaluate_skills(llm, settings or load_settings(), cases or load_cases().case)
    if record_to is not None:
        record_report(record_to, report)
    return report.pass_rates()


def record_report(database: sa.Engine, report: SkillEvalReport) -> None:
    """Store the scores as one ``eval_runs`` row (kind "skills", subject the model)."""
    metrics = {
        row.skill: {
            "cases": row.cases,
            "passed": row.passed,
            "pass_rate": row.pass_rate,
            "mean_turn_s": row.mean_turn_s,
        }
        for row in report.scores()
    }
    record_eval_run(database, KIND, report.model, metrics)


async def _run_case(engine: Engine, sink: ReplyCollector, number: int, case: SkillCase) -> CaseResult:
    """Send the turns in order; a notice (model down, bad input) ends the case as failed."""
    user, seconds, first = f"case-{number}", [], []
    replies: list[Reply] = []
    for turn, text in enumerate(case.turns):
        event_id = f"{user}-{turn}"
        started = time.perf_counter()
        await engine.submit(Message(PLATFORM, user, text, event_id, channel=PLATFORM))
        await engine.join()
        seconds.append(time.perf_counter() - started)
        first.append(sink.first_output.get(event_id, time.perf_counter()) - started)
        replies = sink.replies.get(event_id, [])
        notices = [reply.text for reply in replies if reply.notice]
        if notices:
            failure = f"turn {turn + 1} answered with a notice: {' '.join(notices)}"
            return CaseResult(case, [failure], seconds, first)
    failures = [f for check in case.checks for f in check.failures(replies)]
    meaning = None
    if case.reference is not None:
        answer = _field(replies, case.reference.field)
        meaning = chrf(str(answer or ""), case.reference.text)
    return CaseResult(case, failures, seconds, first, meaning)


def chrf(answer: str, reference: str) -> float:
    """Sentence chrF (0-100) of ``answer`` against ``reference``, by sacrebleu."""
    from sacrebleu.metrics.chrf import CHRF  # noqa: PLC0415 - only cases with references need it

    return float(CHRF().sentence_score(answer, [reference]).score)


def _field(replies: Sequence[Reply], path: str) -> Any:
    if path == "text":
        return "\n\n".join(reply.text for reply in replies)
    value: Any = next((reply.data for reply in replies if reply.data), None)
    for key in path.removeprefix("data").strip(".").split("."):
        if not key:
            continue
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _close(value: Any, expected: float) -> bool:
    return isinstance(value, int | float) and math.isclose(value, expected, abs_tol=0.005)


def _last_line(text: str) -> str:
    lines = [re.sub(r"[\s*_`.,-]+", " ", line).strip().lower() for line in text.splitlines()]
    return next((line for line in reversed(lines) if line), "")
