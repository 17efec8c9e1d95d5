"""``chatwright eval skills``: the skill harness on the configured model, printed and recorded."""

from __future__ import annotations

import argparse
import asyncio
import sys

from conversation import Settings
from conversation.eval_harness import evaluate_and_record
from conversation.skill_eval import DETECT, CaseResult, evaluate_skills, load_cases, record_report


def eval_skills(settings: Settings, args: argparse.Namespace) -> int:
    """Run the cases (all, or those of ``--skill``), print the table, record it in ``eval_runs``."""
    shipped = load_cases(args.cases)
    cases, detections = shipped.case, shipped.detect
    if args.skill:
        cases = [case for case in cases if case.skill in args.skill]
        detections = detections if DETECT in args.skill else []
    if not cases and not detections:
        print(f"chatwright: no cases for skills {args.skill}", file=sys.stderr)
        return 2

    report = asyncio.run(
        evaluate_and_record(
            settings,
            lambda llm: evaluate_skills(llm, settings, cases, _progress, detections),
            record_report,
        )
    )
    print(report.table(), flush=True)
    return 0


def _progress(result: CaseResult) -> None:
    seconds = sum(result.turn_seconds)
    verdict = "ok" if result.passed else "FAILED"
    print(
        f"{verdict} {result.case.skill} / {result.case.name} ({seconds:.1f} s)", file=sys.stderr, flush=True
    )
