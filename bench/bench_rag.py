"""Docs RAG: ingest pages/s and retrieval latency (no LLM) per method, vs brute-force numpy cosine.

Run: .venv/bin/python bench/bench_rag.py [--corpus DIR]   (or `make bench`)
Corpus: chatwright's README plus the docstrings of a dozen standard-library modules, written
as PDFs with fpdf2 (a few dozen pages). Each method ingests into a fresh data dir; then every
question in bench/rag_questions.txt is retrieved REPEATS times. The baseline in the same run
embeds the question the same way and ranks the same stored embeddings by cosine with plain numpy
(no llama-index); "extra" is how much longer ours takes on the same question, one right after
the other (see paired_extra: steadier than the difference of two p50s); "A/A" pairs numpy with
itself the same way, which shows how far "extra" moves by noise alone. The "from the vector"
columns start both from the question's embedding, made beforehand, VECTOR_REPEATS times per
question, against numpy's ranking: our store's search alone, and ours all the way to passages
(window replacement and merging included).
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
VECTOR_REPEATS = 400
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
            f"{'A/A p50':>7} | from the vector: {'numpy p50':>9} {'search':>6} {'extra µs':>8} "
            f"{'passages':>8} {'extra µs':>8}"
        )
        for method in METHODS:
            row = bench_method(root / method, corpus, method, questions)
            print(
                f"{method:16} {row[0]:5d} {row[1]:6d} {row[2]:10.1f} "
                + " ".join(
                    f"{value:{width}.2f}" for value, width in zip(row[3:9], (7, 7, 9, 9, 9, 7), strict=True)
                )
                + f" | {'':16} {row[9]:9.3f} {row[10]:6.3f} {row[11]:+8.1f} {row[12]:8.3f} {row[13]:+8.1f}"
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
    ours, numpy_ms, ours_first = paired(index.retrieve, numpy, questions * REPEATS)
    numpy_again, numpy_once_more, again_first = paired(numpy, numpy, questions * REPEATS)
    vectors = {question: shared_embedder().encode([question])[0] for question in questions}

    def ours_from_vector(question: str) -> object:
        return index.retriever.retrieve(question, vectors[question])

    def numpy_from_vector(question: str) -> object:
        return search_only(matrix, vectors[question])

    def search_from_vector(question: str) -> object:
        return store.nearest(vectors[question], TOP_K)

    search_ours, search_numpy, search_first = paired(
        search_from_vector, numpy_from_vector, questions * VECTOR_REPEATS
    )
    after_ours, after_numpy, after_first = paired(
        ours_from_vector, numpy_from_vector, questions * VECTOR_REPEATS
    )
    return (
        report.pages,
        index.node_count,
        report.pages / report.seconds,
        *percentiles(ours),
        *percentiles(numpy_ms),
        paired_extra(ours, numpy_ms, ours_first),
        paired_extra(numpy_again, numpy_once_more, again_first),
        statistics.median(search_numpy + after_numpy),
        statistics.median(search_ours),
        paired_extra(search_ours, search_numpy, search_first) * 1000,
        statistics.median(after_ours),
        paired_extra(after_ours, after_numpy, after_first) * 1000,
    )


def paired(
    first: Callable[[str], object], second: Callable[[str], object], questions: list[str]
) -> tuple[list[float], list[float], list[bool]]:
    """Milliseconds of ``first`` and ``second`` on each question, one right after the other.

    Who goes first alternates (the third list says when ``first`` did): a question embedded a
    second time in a row is ~0.2 ms faster.
    """
    times: tuple[list[float], list[float]] = ([], [])
    first_went_first = []
    for turn, question in enumerate(questions):
        order = (0, 1) if turn % 2 == 0 else (1, 0)
        first_went_first.append(order[0] == 0)
        for which in order:
            call = first if which == 0 else second
            times[which].append(timed(partial(call, question)))
    return times[0], times[1], first_went_first


def paired_extra(mine: list[float], theirs: list[float], mine_first: list[bool]) -> float:
    """How much longer ``mine`` takes than ``theirs``, with the order's effect cancelled.

    The mean of two medians of ``mine`` minus ``theirs``: over the pairs where ``mine`` went
    first and over those where it went second. One median over all pairs would pick one side
    of a two-humped spread (±0.2 ms by order alone) and swing by as much between runs.
    """
    differences = [a - b for a, b in zip(mine, theirs, strict=True)]
    went_first = [d for d, first in zip(differences, mine_first, strict=True) if first]
    went_second = [d for d, first in zip(differences, mine_first, strict=True) if not first]
    return (statistics.median(went_first) + statistics.median(went_second)) / 2


if __name__ == "__main__":
    sys.exit(main())
