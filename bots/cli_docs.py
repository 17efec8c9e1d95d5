"""``chatwright ingest`` and ``chatwright eval rag``: the docs collections from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from conversation import BadInput, Settings

_METHOD_CHOICES = ("basic", "sentence_window", "auto_merging")
_HYBRID_MODES = {"on": (True,), "off": (False,), "both": (False, True)}


def add_ingest_command(commands: Any) -> None:
    """Register ``ingest PATH... [--collection NAME] [--method M]``."""
    parser = commands.add_parser("ingest", help="index documents (PDF, Markdown, HTML, text) for /ask")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("--collection", help="collection name (default: docs_collection)")
    parser.add_argument(
        "--method", action="append", choices=_METHOD_CHOICES, help="index for this method (repeatable)"
    )
    parser.set_defaults(command=run_ingest)


def add_eval_rag_command(evaluations: Any) -> None:
    """Register ``eval rag --questions FILE``."""
    parser = evaluations.add_parser(
        "rag", help="RAG triad and expected-fact checks per retrieval method, judged by a local model"
    )
    parser.add_argument(
        "--questions",
        type=Path,
        required=True,
        help="one question per line, or JSON lines with expected facts (q, must, any, source, section, kind)",
    )
    parser.add_argument("--collection", help="collection name (default: docs_collection)")
    parser.add_argument("--method", action="append", choices=_METHOD_CHOICES, help="only this method")
    parser.add_argument(
        "--hybrid",
        choices=("on", "off", "both"),
        help="fuse BM25 keyword search with the vectors (default: as configured; both: compare)",
    )
    parser.add_argument(
        "--retrieval-only", action="store_true", help="no model: check and time the passages retrieved"
    )
    parser.add_argument("--no-triad", action="store_true", help="answer and check, but skip the judge")
    parser.add_argument("--judge", help="model judging the answers (default: the configured model)")
    parser.add_argument("--max-tokens", type=int, default=256, help="longest answer per question")
    parser.add_argument("--out", type=Path, help="folder for the HTML page and PNG chart")
    parser.set_defaults(command=run_eval_rag)


def run_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Bring a collection up to date with the given files; 1 when some file could not be read."""
    from skills.docs.ingest import ingest  # noqa: PLC0415 - llama-index loads only for docs commands

    library, database, collection = _open(settings, args.collection)
    report = ingest(
        args.paths,
        collection=collection,
        library=library,
        database=database,
        methods=args.method,
        progress=True,
    )
    for path, reason in report.failed.items():
        print(f"chatwright: skipped {path}: {reason}", file=sys.stderr)
    print(f"chatwright: {report.summary()}", file=sys.stderr)
    return 1 if report.failed else 0


def run_eval_rag(settings: Settings, args: argparse.Namespace) -> int:
    """Answer the questions with each method, judge with the triad, record, print and draw the board."""
    from conversation.llm import make_llm  # noqa: PLC0415
    from skills.docs import METHODS  # noqa: PLC0415
    from skills.docs.evaluation import evaluate_methods, record_results  # noqa: PLC0415
    from skills.docs.factcheck import read_question_file  # noqa: PLC0415
    from skills.docs.ingest import collection_files, ingest  # noqa: PLC0415
    from skills.docs.report import render_checks, render_leaderboard, write_chart, write_page  # noqa: PLC0415

    questions = read_question_file(args.questions)
    library, database, collection = _open(settings, args.collection)
    methods = args.method or list(METHODS)
    files = collection_files(database, collection)
    if not files:
        raise BadInput(f"collection {collection} has no documents: run chatwright ingest first")
    ingest(files, collection=collection, library=library, database=database, methods=methods, progress=True)
    llm = None if args.retrieval_only else make_llm(settings)
    judge = None
    if llm is not None and not args.no_triad:
        judge = make_llm(settings.model_copy(update={"model": args.judge})) if args.judge else llm
    try:
        results = evaluate_methods(
            questions,
            collection=collection,
            library=library,
            llm=llm,
            judge_llm=judge,
            methods=methods,
            hybrid=_HYBRID_MODES[args.hybrid] if args.hybrid else (),
            max_tokens=args.max_tokens,
        )
    finally:
        for model in {id(m): m for m in (llm, judge) if m is not None}.values():
            asyncio.run(model.aclose())
    record_results(database, results, collection)
    out = args.out or settings.data_dir / "eval" / time.strftime("rag-%Y%m%d-%H%M%S")
    chart = write_chart(results, out / "rag-triad.png")
    page = write_page(results, out / "rag-leaderboard.html", chart)
    if judge is not None:
        print(render_leaderboard(results))
    checks = render_checks(results)
    if checks:
        print(checks)
    print(
        f"chatwright: judge {judge.name if judge else 'none'}, {len(questions)} questions; "
        f"wrote {page} and {chart}",
        file=sys.stderr,
    )
    return 0


def _open(settings: Settings, collection: str | None) -> tuple[Any, Any, str]:
    from skills.docs import docs_config  # noqa: PLC0415
    from skills.docs.config import check_collection_name  # noqa: PLC0415
    from skills.docs.library import DocsLibrary  # noqa: PLC0415
    from storage import create_database_engine, upgrade_schema  # noqa: PLC0415

    config = docs_config(settings)
    database = create_database_engine(settings.resolved_database_url)
    upgrade_schema(database)
    return DocsLibrary(config), database, check_collection_name(collection or config.default_collection)
