"""``chatwright eval conversations``: scripted conversations on the configured model, printed and recorded."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from conversation import Settings
from conversation.conversation_cases import load_conversations, select
from conversation.conversation_eval import ConversationResult, evaluate_conversations, record_report
from conversation.eval_harness import evaluate_and_record


def add_eval_conversations_command(evaluations: Any) -> None:
    """Register ``eval conversations [--cases FILE] [--only PREFIX]... [--model NAME]``."""
    parser = evaluations.add_parser(
        "conversations", help="multi-turn conversations checked by code: shares passed per category"
    )
    parser.add_argument("--cases", type=Path, help="a JSON file of conversations (default: the shipped set)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="PREFIX", help="only ids starting so (repeatable)"
    )
    parser.add_argument("--model", help="the model to evaluate (default: the configured one)")
    parser.set_defaults(command=eval_conversations)


def eval_conversations(settings: Settings, args: argparse.Namespace) -> int:
    """Run the conversations, print the table and every failure, record the run in ``eval_runs``."""
    conversations = select(load_conversations(args.cases), args.only)
    chosen = settings.model_copy(update={"model": args.model}) if args.model else settings
    report = asyncio.run(
        evaluate_and_record(
            chosen,
            lambda llm: evaluate_conversations(llm, chosen, conversations, _progress),
            record_report,
        )
    )
    print(report.table(), flush=True)
    return 0


def _progress(result: ConversationResult) -> None:
    verdict = "ok" if result.passed else f"FAILED ({len(result.failures)} of {result.checks} checks)"
    print(f"{verdict} {result.conversation.id} ({result.seconds:.1f} s)", file=sys.stderr, flush=True)
