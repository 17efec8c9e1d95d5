"""The RAG leaderboard as terminal text, an HTML page and a PNG chart."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

from skills.docs.evaluation import MethodResult

TRIAD = ("context_relevance", "groundedness", "answer_relevance")
_HEADERS = ("method", "app version", "context rel.", "grounded.", "answer rel.", "latency ms", "tokens")


def leaderboard_rows(results: Sequence[MethodResult]) -> list[tuple[str, ...]]:
    """One row per method, best mean triad score first."""
    ranked = sorted(results, key=_overall, reverse=True)
    return [
        (
            r.method,
            r.app_version,
            *(_score(r.mean(metric)) for metric in TRIAD),
            f"{r.mean_plain('latency_ms'):.0f}",
            f"{r.mean_plain('tokens'):.0f}",
        )
        for r in ranked
    ]


def render_leaderboard(results: Sequence[MethodResult]) -> str:
    """A fixed-width table for the terminal."""
    rows = [_HEADERS, *leaderboard_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
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
    axes.set_xticks([i + width for i in range(len(results))], [r.method for r in results])
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
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _HEADERS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in leaderboard_rows(results)
    )
    details = "".join(_details(result) for result in results)
    image = f'<img src="{html.escape(chart.name)}" alt="triad chart">' if chart else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "<!doctype html><meta charset='utf-8'><title>RAG leaderboard</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px 8px}"
        "table{border-collapse:collapse}</style>"
        f"<h1>RAG leaderboard</h1><table><tr>{head}</tr>{body}</table>{image}{details}",
        encoding="utf-8",
    )
    return path


def _details(result: MethodResult) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(q.question)}</td><td>{html.escape(q.answer)}</td>"
        f"<td>{_score(q.context_relevance)}</td><td>{_score(q.groundedness)}</td>"
        f"<td>{_score(q.answer_relevance)}</td><td>{q.latency_ms:.0f}</td></tr>"
        for q in result.questions
    )
    return (
        f"<h2>{html.escape(result.method)} ({html.escape(result.app_version)})</h2><table>"
        "<tr><th>question</th><th>answer</th><th>context rel.</th><th>grounded.</th>"
        f"<th>answer rel.</th><th>latency ms</th></tr>{rows}</table>"
    )


def _score(value: float) -> str:
    return "n/a" if math.isnan(value) or value < 0 else f"{value:.2f}"


def _overall(result: MethodResult) -> float:
    scores = [result.mean(metric) for metric in TRIAD]
    return sum(0.0 if math.isnan(s) else s for s in scores)
