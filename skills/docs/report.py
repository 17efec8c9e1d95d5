"""The RAG leaderboard as terminal text, an HTML page and a PNG chart; the fact checks as tables."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

from skills.docs.evaluation import MethodResult
from skills.docs.factcheck import FactSummary

TRIAD = ("context_relevance", "groundedness", "answer_relevance")
_HEADERS = ("method", "app version", "context rel.", "grounded.", "answer rel.", "latency ms", "tokens")
_CHECK_HEADERS = (
    "method",
    "kind",
    "n",
    "facts",
    "right file",
    "right section",
    "honest don't know",
    "refused",
)


def leaderboard_rows(results: Sequence[MethodResult]) -> list[tuple[str, ...]]:
    """One row per method, best mean triad score first."""
    ranked = sorted(results, key=_overall, reverse=True)
    return [
        (
            r.label,
            r.app_version,
            *(_score(r.mean(metric)) for metric in TRIAD),
            f"{r.mean_plain('latency_ms'):.0f}",
            f"{r.mean_plain('tokens'):.0f}",
        )
        for r in ranked
    ]


def render_leaderboard(results: Sequence[MethodResult]) -> str:
    """A fixed-width table for the terminal."""
    return _fixed_width([_HEADERS, *leaderboard_rows(results)])


def check_rows(results: Sequence[MethodResult], *, by_kind: bool = True) -> list[tuple[str, ...]]:
    """Fact-check rates per method: overall, then per question kind; none when nothing was checked."""
    rows = []
    for result in results:
        kinds = dict.fromkeys(q.kind for q in result.questions if q.check) if by_kind else {}
        for kind in [None, *kinds]:
            summary = result.checked(kind)
            if summary is not None:
                rows.append((result.label, kind or "all", *_rates(summary)))
    return rows


def render_checks(results: Sequence[MethodResult], *, by_kind: bool = True) -> str:
    """The fact-check table for the terminal, with each method's retrieval p50 (no generation)."""
    rows = check_rows(results, by_kind=by_kind)
    if not rows:
        return ""
    latency = "\n".join(f"{r.label}: retrieval p50 {r.retrieval_p50_ms:.1f} ms" for r in results)
    return f"{_fixed_width([_CHECK_HEADERS, *rows])}\n{latency}"


def _rates(summary: FactSummary) -> tuple[str, ...]:
    return (
        str(summary.questions),
        *(
            _percent(rate)
            for rate in (summary.facts, summary.file, summary.section, summary.honest_dont_know)
        ),
        str(summary.refused),
    )


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def _fixed_width(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)


def write_chart(results: Sequence[MethodResult], path: Path) -> Path:
    """A grouped bar chart of the three scores per method, as PNG."""
    import matplotlib  # noqa: PLC0415 - only reports draw

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(TRIAD)
    for offset, metric in enumerate(TRIAD):
        values = [0.0 if math.isnan(r.mean(metric)) else r.mean(metric) for r in results]
        positions = [i + offset * width for i in range(len(results))]
        axes.bar(positions, values, width, label=metric.replace("_", " "))
    axes.set_xticks([i + width for i in range(len(results))], [r.label for r in results])
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("score (judge: " + (results[0].judge if results else "") + ")")
    axes.set_title("RAG triad per retrieval method")
    axes.legend(loc="lower right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def write_page(results: Sequence[MethodResult], path: Path, chart: Path | None = None) -> Path:
    """An HTML page: the leaderboard, the chart, then every question's answer and scores."""
    board = _table(_HEADERS, leaderboard_rows(results))
    details = _table(_CHECK_HEADERS, check_rows(results)) + "".join(_details(result) for result in results)
    image = f'<img src="{html.escape(chart.name)}" alt="triad chart">' if chart else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "<!doctype html><meta charset='utf-8'><title>RAG leaderboard</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px 8px}"
        "table{border-collapse:collapse}</style>"
        f"<h1>RAG leaderboard</h1>{board}{image}{details}",
        encoding="utf-8",
    )
    return path


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _details(result: MethodResult) -> str:
    headers = ("question", "answer", "cited", "context rel.", "grounded.", "answer rel.", "latency ms")
    rows = [
        (
            q.question,
            q.answer,
            "; ".join(q.cited),
            *(_score(v) for v in (q.context_relevance, q.groundedness, q.answer_relevance)),
            f"{q.latency_ms:.0f}",
        )
        for q in result.questions
    ]
    title = f"<h2>{html.escape(result.label)} ({html.escape(result.app_version)})</h2>"
    return title + _table(headers, rows)


def _score(value: float) -> str:
    return "n/a" if math.isnan(value) or value < 0 else f"{value:.2f}"


def _overall(result: MethodResult) -> float:
    scores = [result.mean(metric) for metric in TRIAD]
    return sum(0.0 if math.isnan(s) else s for s in scores)
