"""The figures of a simulation: success, pass^k, turns against the minimum, misunderstandings, failures."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

import sqlalchemy as sa

from conversation.eval_harness import record_eval_run, share
from conversation.order_simulation.phrasebook import load_cues
from conversation.order_simulation.reading import not_understood
from conversation.order_simulation.results import ConversationRun

KIND = "orders"
"""The ``eval_runs`` kind of a simulation."""


@dataclass(slots=True)
class SimulationReport:
    """Every conversation of one simulation, in goal and phrasing order."""

    model: str
    menu: str
    seed: int
    phrasings: int
    runs: list[ConversationRun] = field(default_factory=list)

    @property
    def succeeded(self) -> list[ConversationRun]:
        """The conversations whose one stored order matches the goal."""
        return [run for run in self.runs if run.passed]

    def pass_k(self) -> tuple[int, int]:
        """Goals placed right in every phrasing (tau-bench's pass^k), and the number of goals."""
        by_goal: dict[int, list[bool]] = defaultdict(list)
        for run in self.runs:
            by_goal[run.goal.number].append(run.passed)
        return sum(all(passed) for passed in by_goal.values()), len(by_goal)

    def turns(self) -> tuple[float | None, float | None]:
        """The median customer turns of the successful conversations, and the median of their minimums."""
        done = self.succeeded
        if not done:
            return None, None
        return median(len(run.turns) for run in done), median(run.minimum_turns for run in done)

    def failure_classes(self) -> Counter[str]:
        """How many conversations failed in each way (one conversation may fail in several)."""
        return Counter(failure for run in self.runs for failure in run.failures)

    def metrics(self) -> dict[str, Any]:
        """The figures as recorded in ``eval_runs``."""
        goals_passed, goals = self.pass_k()
        turns, minimum = self.turns()
        asked, answered = self._digressions()
        return {
            "menu": self.menu,
            "seed": self.seed,
            "goals": goals,
            "conversations": len(self.runs),
            "succeeded": len(self.succeeded),
            "success": share(len(self.succeeded), len(self.runs)),
            f"pass^{self.phrasings}": share(goals_passed, goals),
            "median_turns": turns,
            "median_minimum_turns": minimum,
            "not_understood_replies": sum(run.not_understood for run in self.runs),
            "digressions": asked,
            "digressions_answered_elsewhere": answered,
            "corrected_summaries": sum(run.corrected for run in self.runs),
            "failures": dict(sorted(self.failure_classes().items())),
            "styles": {
                style: {"conversations": n, "succeeded": ok} for style, (ok, n) in self._styles().items()
            },
        }

    def table(self) -> str:
        """The figures as Markdown tables, a line per failed conversation, each message not understood."""
        goals_passed, goals = self.pass_k()
        turns, minimum = self.turns()
        asked, answered = self._digressions()
        confused = [run.not_understood for run in self.runs]
        succeeded = len(self.succeeded)
        lines = [
            f"model: {self.model}, menu: {self.menu}, seed {self.seed}, "
            f"{goals} goals x {self.phrasings} phrasings",
            "| measure | value |",
            "|---|---|",
            f"| success | {share(succeeded, len(self.runs)):.0%} ({succeeded}/{len(self.runs)}) |",
            f"| pass^{self.phrasings} | {share(goals_passed, goals):.0%} ({goals_passed}/{goals}) |",
            f"| median turns (successful) | {_number(turns)} (minimum {_number(minimum)}) |",
            f"| didn't catch/find replies | {sum(confused)} "
            f"(in {sum(n > 0 for n in confused)} conversations) |",
            f"| digressions answered by another skill | {answered}/{asked} |",
            f"| wrong summaries the customer corrected | {sum(run.corrected for run in self.runs)} |",
            "",
            "| style | conversations succeeded |",
            "|---|---|",
            *(f"| {style} | {share(ok, n):.0%} ({ok}/{n}) |" for style, (ok, n) in self._styles().items()),
        ]
        classes = self.failure_classes()
        if classes:
            lines += ["", "| failure | conversations |", "|---|---|"]
            lines += [f"| {name} | {count} |" for name, count in classes.most_common()]
        lines += [_failure_line(run) for run in self.runs if not run.passed]
        lines += [
            f"NOT UNDERSTOOD goal {run.goal.number} phrasing {run.phrasing} [{turn.purpose}] "
            f"{json.dumps(turn.customer, ensure_ascii=False)}"
            for run in self.runs
            for turn in run.turns
            if not_understood(turn.text, load_cues())
        ]
        return "\n".join(lines)

    def write_failures(self, path: Path) -> int:
        """Write each failed conversation (goal, stored orders, transcript) as a JSON line; how many."""
        failed = [run for run in self.runs if not run.passed]
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for run in failed:
                out.write(json.dumps(run.to_record(), ensure_ascii=False) + "\n")
        return len(failed)

    def _digressions(self) -> tuple[int, int]:
        pairs = [run.digressions for run in self.runs]
        return sum(asked for asked, _ in pairs), sum(answered for _, answered in pairs)

    def _styles(self) -> dict[str, tuple[int, int]]:
        """Per style: conversations succeeded, conversations."""
        rows: dict[str, tuple[int, int]] = {}
        for run in self.runs:
            ok, n = rows.get(run.style, (0, 0))
            rows[run.style] = (ok + run.passed, n + 1)
        return dict(sorted(rows.items()))


def record_report(database: sa.Engine, report: SimulationReport) -> None:
    """Store the figures as one ``eval_runs`` row (kind "orders", subject the model)."""
    record_eval_run(database, KIND, report.model, report.metrics())


def _failure_line(run: ConversationRun) -> str:
    last = run.turns[-1].text.replace("\n", " ") if run.turns else ""
    excerpt = last if len(last) <= 160 else last[:159] + "…"
    corrected = " (after a correction)" if run.corrected else ""
    return (
        f"FAILED goal {run.goal.number} phrasing {run.phrasing} ({run.style}, {len(run.turns)} turns): "
        f"{', '.join(run.failures)}{corrected}; last reply {json.dumps(excerpt, ensure_ascii=False)}"
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
