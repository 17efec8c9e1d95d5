"""Docs RAG: ingest pages/s and retrieval latency (no LLM) per method, vs brute-force numpy cosine.

Run: .venv/bin/python bench/bench_rag.py [--corpus DIR]   (or `make bench`)
Corpus: chatwright's README plus the docstrings of a dozen standard-library modules, written
as PDFs with fpdf2 (a few dozen pages). Each method ingests into a fresh data dir; then every
question in bench/rag_questions.txt is retrieved REPEATS times. The baseline in the same run
embeds the question the same way and ranks the same stored embeddings by cosine with plain numpy
(no llama-index); "extra" is the median of ours minus numpy over the same question, one right
after the other (steadier than the difference of two p50s); "A/A" pairs numpy with itself the
same way, which shows how far "extra" moves by noise alone; "search" leaves the embedding out.
With --corpus DIR the corpus is written there (for `chatwright ingest DIR` and `eval rag`).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from fpdf import FPDF
from llama_index.core.vector_stores.types import VectorStoreQuery

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conversation.llm.embeddings import shared_embedder
from skills.docs import METHODS, DocsConfig, RetrievalConfig, RetrievalMethod
from skills.docs.ingest import ingest
from skills.docs.library import DocsLibrary
from skills.docs.vectors import MatrixVectorStore
from storage import create_database_engine, upgrade_schema

MODULES = (
    "heapq",
    "statistics",
    "shutil",
    "textwrap",
    "json",
    "csv",
    "argparse",
    "bisect",
    "fnmatch",
    "glob",
)
QUESTIONS = Path(__file__).with_name("rag_questions.txt")
REPEATS = 5
TOP_K = 6


def module_text(name: str) -> str:
    """A module's docstring and those of its public functions and classes."""
    module = importlib.import_module(name)
    parts = [f"Module {name}\n\n{inspect.getdoc(module) or ''}"]
    for member_name, member in sorted(vars(module).items()):
        if member_name.startswith("_") or not (inspect.isfunction(member) or inspect.isclass(member)):
            continue
        if getattr(member, "__module__", name) != name or not inspect.getdoc(member):
            continue
        parts.append(f"{name}.{member_name}\n{inspect.getdoc(member)}")
    return "\n\n".join(parts)


def write_corpus(folder: Path) -> Path:
    """The README and module docs as PDFs (latin-1 text, Helvetica, automatic page breaks)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = {"README": (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")}
    sources |= {name: module_text(name) for name in MODULES}
    for name, text in sources.items():
        pdf = FPDF()
        pdf.set_font("Helvetica", size=10)
        pdf.add_page()
        pdf.multi_cell(0, 5, text.encode("latin-1", "replace").decode("latin-1"))
        pdf.output(str(folder / f"{name}.pdf"))
    return folder


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """p50 and p95."""
    cuts = statistics.quantiles(samples_ms, n=20)
    return statistics.median(samples_ms), cuts[18]


def timed(call: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def brute_force(matrix: np.ndarray, question: str) -> list[int]:
    """Top-k rows by cosine, straight numpy: the baseline."""
    query = shared_embedder().encode([question])[0]
    return search_only(matrix, query)


def search_only(matrix: np.ndarray, query: np.ndarray) -> list[int]:
    """Cosine of every row with ``query``, fully sorted, top-k."""
    scores = (matrix @ query) / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(query))
    return list(np.argsort(-scores)[:TOP_K])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, help="write the corpus here (and keep it)")
    args = parser.parse_args()
    questions = [q for q in QUESTIONS.read_text(encoding="utf-8").splitlines() if q and not q.startswith("#")]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        corpus = write_corpus(args.corpus or root / "corpus")
        shared_embedder().encode(["warm up"])
        print(f"corpus: {len(list(corpus.glob('*.pdf')))} PDFs in {corpus}; {len(questions)} questions")
        print(
            f"{'method':16} {'pages':>5} {'nodes':>6} {'ingest p/s':>10} "
            f"{'p50 ms':>7} {'p95 ms':>7} {'numpy p50':>9} {'numpy p95':>9} {'extra p50':>9} "
            f"{'A/A p50':>7} {'search p50':>10} {'numpy':>7}"
        )
        for method in METHODS:
            row = bench_method(root / method, corpus, method, questions)
            print(
                f"{method:16} {row[0]:5d} {row[1]:6d} {row[2]:10.1f} "
                + " ".join(
                    f"{value:{width}.2f}"
                    for value, width in zip(row[3:], (7, 7, 9, 9, 9, 7, 10, 7), strict=True)
                )
            )
        embed_ms = [timed(lambda q=q: shared_embedder().encode([q])) for q in questions * REPEATS]
        print(f"question embedding alone (MiniLM, torch CPU): p50 {statistics.median(embed_ms):.2f} ms")
    return 0


def bench_method(
    folder: Path, corpus: Path, method: RetrievalMethod, questions: list[str]
) -> tuple[float, ...]:
    database = create_database_engine(f"sqlite:///{folder / 'chatwright.db'}")
    upgrade_schema(database)
    library = DocsLibrary(DocsConfig(folder / "data", retrieval=RetrievalConfig(top_k=TOP_K)))
    report = ingest([corpus], collection="bench", library=library, database=database, methods=[method])
    index = library.index("bench", method)
    store = index.index.vector_store
    assert isinstance(store, MatrixVectorStore)
    matrix = np.array(store.matrix)
    numpy = partial(brute_force, matrix)
    ours, numpy_ms = paired(index.retrieve, numpy, questions)
    numpy_again, numpy_once_more = paired(numpy, numpy, questions)
    query = shared_embedder().encode([questions[0]])[0]
    retriever_search = [timed(lambda: store.query(_query(query))) for _ in range(200)]
    numpy_search = [timed(lambda: search_only(matrix, query)) for _ in range(200)]
    return (
        report.pages,
        index.node_count,
        report.pages / report.seconds,
        *percentiles(ours),
        *percentiles(numpy_ms),
        paired_extra(ours, numpy_ms),
        paired_extra(numpy_again, numpy_once_more),
        statistics.median(retriever_search),
        statistics.median(numpy_search),
    )


def paired(
    first: Callable[[str], object], second: Callable[[str], object], questions: list[str]
) -> tuple[list[float], list[float]]:
    """Milliseconds of ``first`` and ``second`` on each question, one right after the other.

    Who goes first alternates: a question embedded a second time in a row is ~0.2 ms faster.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for turn, question in enumerate(questions * REPEATS):
        order = (0, 1) if turn % 2 == 0 else (1, 0)
        for which in order:
            call = first if which == 0 else second
            times[which].append(timed(partial(call, question)))
    return times


def paired_extra(mine: list[float], theirs: list[float]) -> float:
    """The median over the pairs of ``mine`` minus ``theirs``."""
    return statistics.median(a - b for a, b in zip(mine, theirs, strict=True))


def _query(vector: np.ndarray) -> VectorStoreQuery:
    return VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=TOP_K)


if __name__ == "__main__":
    sys.exit(main())
