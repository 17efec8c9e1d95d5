"""``chatwright eval skills``: the skill harness on the configured model, printed and recorded."""

from __future__ import annotations

import argparse
import asyncio
import sys

import sqlalchemy as sa

from conversation import Settings
from conversation.eval_harness import evaluate_and_record
from conversation.llm import LLM
from conversation.skill_eval import (
    DETECT,
    CaseResult,
    SkillEvalReport,
    evaluate_skills,
    load_cases,
    record_report,
)


def eval_skills(settings: Settings, args: argparse.Namespace) -> int:
    """Run the cases (all, or those of ``--skill``), print the table, record it in ``eval_runs``.

    With ``--baseline`` the cases run first with the model's drafts sent unchecked, on the same
    loaded model, so both tables are measured in one run.
    """
    shipped = load_cases(args.cases)
    cases, detections = shipped.case, shipped.detect
    if args.skill:
        cases = [case for case in cases if case.skill in args.skill]
        detections = detections if DETECT in args.skill else []
    if not cases and not detections:
        print(f"chatwright: no cases for skills {args.skill}", file=sys.stderr)
        return 2

    baselines: list[SkillEvalReport] = []

    async def evaluate(llm: LLM) -> SkillEvalReport:
        if args.baseline:
            unchecked = settings.model_copy(update={"check_drafts": False})
            first = await evaluate_skills(llm, unchecked, cases, _progress, detections)
            first.model = f"{llm.name} (first draft, unchecked)"
            baselines.append(first)
        return await evaluate_skills(llm, settings, cases, _progress, detections)

    def record(database: sa.Engine, report: SkillEvalReport) -> None:
        for done in [*baselines, report]:
            record_report(database, done)

    report = asyncio.run(evaluate_and_record(settings, evaluate, record))
    print("\n\n".join(done.table() for done in [*baselines, report]), flush=True)
    return 0


def _progress(result: CaseResult) -> None:
    seconds = sum(result.turn_seconds)
    verdict = "ok" if result.passed else "FAILED"
    print(
        f"{verdict} {result.case.skill} / {result.case.name} ({seconds:.1f} s)", file=sys.stderr, flush=True
    )
