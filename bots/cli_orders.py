"""``chatwright eval orders``: simulated customers place random orders; the table printed and recorded."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from conversation import Settings
from conversation.eval_harness import evaluate_and_record
from conversation.order_simulation import (
    PHRASINGS,
    TURN_CAP,
    ConversationRun,
    record_report,
    simulate_orders,
)


def add_eval_orders_command(evaluations: Any) -> None:
    """Register ``eval orders --simulate N --seed S [--menu PATH] [--model NAME] [--failures FILE]``."""
    parser = evaluations.add_parser(
        "orders",
        help="simulated customers order from the menu: success, pass^3, turns, failures",
        description=(
            f"Draw N random goals from the menu and let a scripted customer place each in {PHRASINGS} "
            f"phrasings (different styles and wordings), so {PHRASINGS}N conversations of at most "
            f"{TURN_CAP} turns. The stored order is checked against the goal by code."
        ),
    )
    parser.add_argument("--simulate", type=int, required=True, metavar="N", help="how many goals")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="goals and wordings follow it")
    parser.add_argument("--menu", type=Path, help="a menu TOML (default: the configured order menu)")
    parser.add_argument("--model", help="the model to evaluate (default: the configured one)")
    parser.add_argument(
        "--failures",
        type=Path,
        metavar="FILE",
        help="JSON lines of failed conversations (default: <data_dir>/order-simulation-failures.jsonl)",
    )
    parser.set_defaults(command=eval_orders)


def eval_orders(settings: Settings, args: argparse.Namespace) -> int:
    """Run the simulation, print the table, write failures, record the run in ``eval_runs``."""
    chosen = settings.model_copy(update={"model": args.model}) if args.model else settings
    report = asyncio.run(
        evaluate_and_record(
            chosen,
            lambda llm: simulate_orders(
                llm, chosen, args.simulate, args.seed, menu_path=args.menu, on_result=_progress
            ),
            record_report,
        )
    )
    print(report.table(), flush=True)
    path = args.failures or settings.data_dir / "order-simulation-failures.jsonl"
    written = report.write_failures(path)
    print(f"chatwright: {written} failed conversations written to {path}", file=sys.stderr, flush=True)
    return 0


def _progress(run: ConversationRun) -> None:
    verdict = "ok" if run.passed else f"FAILED ({', '.join(run.failures)})"
    print(
        f"{verdict} goal {run.goal.number} phrasing {run.phrasing} ({run.style}, {len(run.turns)} turns)",
        file=sys.stderr,
        flush=True,
    )
