"""The three retrieval methods find the planted passages; auto-merging merges; windows widen hits."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from skills.docs import METHODS, DocsConfig, RetrievalConfig
from skills.docs.ingest import ingest
from skills.docs.library import CollectionIndex, DocsLibrary
from storage import create_database_engine
from tests.fakes.corpus import PLANTED, write_corpus
from tests.fakes.engines import migrated_database

TOPICS = {
    "volcano": "Volcanoes erupt molten basalt lava from the mantle through a crater vent.",
    "bakery": "The bakery sells sourdough bread, croissants and rye rolls every morning.",
    "chess": "In chess the knight moves in an L shape and the bishop moves diagonally.",
}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> DocsLibrary:
    root = tmp_path_factory.mktemp("retrieval")
    database = migrated_database(f"sqlite:///{root / 'chatwright.db'}")
    docs = DocsLibrary(DocsConfig(root / "data", retrieval=RetrievalConfig(top_k=3)))
    ingest(
        [write_corpus(root / "corpus")],
        collection="default",
        library=docs,
        database=database,
        methods=METHODS,
    )
    return docs


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("question", sorted(PLANTED))
def test_each_method_returns_the_planted_passage_first(library, method, question):
    file, page, section, words = PLANTED[question]

    best = library.index("default", method).retrieve(question)[0]

    assert (best.file, best.page, best.section) == (file, page, section)
    assert words in best.text


@pytest.mark.parametrize("method", METHODS)
def test_each_method_without_keywords_finds_what_llama_index_own_retrieve_finds(library, method):
    vectors_only = RetrievalConfig(top_k=3, hybrid=False)
    index = DocsLibrary(DocsConfig(library.config.data_dir, retrieval=vectors_only)).index("default", method)
    instrumented = index.retriever.merger or index.retriever.search  # llama-index's retrieve()

    for question in sorted(PLANTED):
        expected = [(hit.node.node_id, hit.score) for hit in instrumented.retrieve(question)]
        assert [(p.node_id, p.score) for p in index.retrieve(question)] == expected


def test_sentence_window_answers_with_the_sentences_around_the_hit(library):
    best = library.index("default", "sentence_window").retrieve("Which flag skips the installer prompts?")[0]

    assert "--quiet" in best.text
    assert "three minutes" in best.text  # the next sentence, put back by the window


def test_a_hit_edited_by_a_postprocessor_stays_as_stored(library):
    index = library.index("default", "sentence_window")
    sentence = index.retrieve("Which flag skips the installer prompts?")[0].node_id  # text -> window

    node = index.storage.docstore.get_node(sentence)

    assert node.get_content() == node.metadata["original_text"] != node.metadata["window"]


def test_rerank_keeps_only_the_best_n(tmp_path, library):
    config = DocsConfig(
        library.config.data_dir, retrieval=RetrievalConfig(method="basic", top_k=3, rerank_top_n=1)
    )
    found = DocsLibrary(config).index("default").retrieve("How do I reset the router to factory settings?")
    assert len(found) == 1
    assert found[0].page == 2


def hierarchy_index(tmp_path: Path, top_k: int, *, hybrid: bool = True) -> CollectionIndex:
    """A document whose first 256-token parent holds four ~64-token volcano children."""
    from llama_index.core import Document

    volcano = " ".join([TOPICS["volcano"]] * 14)
    others = " ".join([TOPICS["bakery"]] * 14) + " " + " ".join([TOPICS["chess"]] * 14)
    config = RetrievalConfig(method="auto_merging", top_k=top_k, chunk_sizes=(1024, 256, 64), hybrid=hybrid)
    index = CollectionIndex(tmp_path / f"hierarchy-{top_k}", config)
    index.add([Document(text=f"{volcano}\n\n{others}", metadata={"file": "mix.txt"})])
    return index


def test_auto_merging_replaces_enough_retrieved_children_with_their_parent(tmp_path):
    index = hierarchy_index(tmp_path, top_k=6)
    docstore = index.storage.docstore
    leaves = set(index.index.index_struct.nodes_dict)

    found = index.retrieve("How do volcanoes erupt lava through a crater?")

    merged = [p for p in found if p.node_id not in leaves]
    assert merged, "no parent replaced its children"
    parent = docstore.get_node(merged[0].node_id)
    children = parent.child_nodes or []
    assert len(children) >= 2
    assert not {c.node_id for c in children} & {p.node_id for p in found}
    assert "basalt" in merged[0].text


@pytest.mark.parametrize("top_k", [6, 10])
def test_auto_merging_merges_as_llama_index_own_retrieve_does(tmp_path, top_k):
    index = hierarchy_index(tmp_path, top_k, hybrid=False)  # 10: the merged parent outranks earlier hits
    question = "How do volcanoes erupt lava through a crater?"
    assert index.retriever.merger is not None

    expected = [(hit.node.node_id, hit.score) for hit in index.retriever.merger.retrieve(question)]

    assert [(p.node_id, p.score) for p in index.retrieve(question)] == expected


def test_auto_merging_keeps_a_lone_child_as_it_is(tmp_path):
    index = hierarchy_index(tmp_path, top_k=1)
    leaves = set(index.index.index_struct.nodes_dict)

    found = index.retrieve("How do volcanoes erupt lava through a crater?")

    assert len(found) == 1
    assert found[0].node_id in leaves


def test_the_database_records_node_ids_per_method(library):
    database = create_database_engine(f"sqlite:///{library.config.data_dir.parent / 'chatwright.db'}")
    from storage.tables import documents

    with database.connect() as connection:
        node_ids = connection.execute(sa.select(documents.c.node_ids)).scalars().all()
    assert all(set(ids) == set(METHODS) for ids in node_ids)
