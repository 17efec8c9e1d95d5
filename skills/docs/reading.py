"""Files to llama-index Documents, one per PDF page or section, with citation metadata.

Sections come from Markdown and HTML headings, numbered clauses and heading lines in plain text,
and the PDF outline (a page is cited with the outline entry it falls under).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from llama_index.core import Document

from conversation.errors import BadInput
from skills.docs.sections import HeadingTrail, parse_heading, text_sections

PDF_SUFFIXES = frozenset({".pdf"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
TEXT_SUFFIXES = frozenset({".txt", ".text", ".rst"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES
CITATION_KEYS = ("file", "page", "section")
"""Metadata a citation names; kept out of the embedded and prompted text."""
INDEXED_KEYS = ("document", "heading")
"""Metadata indexed with the text (the document's title, the section's headings), not prompted."""
TITLE_CHARS = 80

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_SKIPPED = frozenset({"script", "style", "head", "nav"})


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Every supported file among ``paths`` (folders searched recursively), resolved and sorted."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p.resolve() for p in path.rglob("*") if _supported(p))
        elif path.is_file():
            if not _supported(path):
                raise BadInput(f"{path}: unsupported file type (supported: {_suffix_list()})")
            found.add(path.resolve())
        else:
            raise BadInput(f"{path}: no such file or folder")
    return sorted(found)


def file_sha256(path: Path) -> str:
    """The hex sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_documents(path: Path) -> list[Document]:
    """The file's text as Documents: one per PDF page, Markdown/HTML section, or the whole text."""
    suffix = path.suffix.lower()
    parts: list[tuple[dict[str, str | int], str]]
    if suffix in PDF_SUFFIXES:
        parts = list(_pdf_pages(path))
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        if suffix in MARKDOWN_SUFFIXES:
            parts = list(_markdown_sections(text))
        elif suffix in HTML_SUFFIXES:
            parts = list(_html_sections(text))
        else:
            parts = [(dict(where), part) for where, part in text_sections(text)]
    title = _document_title(path, parts)
    documents = []
    for number, (where, text) in enumerate(parts, start=1):
        if not text.strip():
            continue
        metadata: dict[str, str | int] = {"file": path.name, "document": title, **where}
        documents.append(
            Document(
                id_=f"{path}#{number}",
                text=text.strip(),
                metadata=metadata,
                excluded_embed_metadata_keys=[k for k in metadata if k not in INDEXED_KEYS],
                excluded_llm_metadata_keys=list(metadata),
            )
        )
    return documents


def _document_title(path: Path, parts: list[tuple[dict[str, str | int], str]]) -> str:
    """The file's stem and its first line (or a "title" a part carries): what the text is called."""
    first = next((line.strip() for _, text in parts for line in text.splitlines() if line.strip()), "")
    named = next((str(where["title"]) for where, _ in parts if "title" in where), first.strip("# "))
    for where, _ in parts:
        where.pop("title", None)
    return f"{path.stem}: {named[:TITLE_CHARS]}" if named else path.stem


def title_line(metadata: Mapping[str, object]) -> str:
    """The title line in a node's ``document`` metadata, without the stem put before it ("")."""
    document = str(metadata.get("document", ""))
    return document.split(": ", 1)[1] if ": " in document else ""


def _pdf_pages(path: Path) -> Iterator[tuple[dict[str, str | int], str]]:
    from pypdf import PdfReader  # noqa: PLC0415 - only PDFs need it
    from pypdf.errors import PdfReadError  # noqa: PLC0415

    try:
        reader = PdfReader(path)
        pages = [(page_number, page.extract_text() or "") for page_number, page in enumerate(reader.pages, 1)]
    except (PdfReadError, ValueError, OSError) as error:
        raise BadInput(f"{path}: not a readable PDF ({error})") from error
    outline = _outline_starts(reader)
    trail = HeadingTrail()
    where: dict[str, str | int] = {}
    for page_number, text in pages:
        for level, title in outline.get(page_number, []):
            where = dict(trail.enter(parse_heading(title), level))
        yield {"page": page_number, **where}, text


def _outline_starts(reader: Any) -> dict[int, list[tuple[int, str]]]:
    """PDF outline entries by the page (1-based) they start on, with their depth: empty if none."""
    from pypdf.errors import PdfReadError  # noqa: PLC0415

    starts: dict[int, list[tuple[int, str]]] = {}

    def walk(entries: list[Any], level: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, level + 1)
                continue
            page = reader.get_destination_page_number(entry)
            if page is not None and page >= 0:
                starts.setdefault(page + 1, []).append((level, str(entry.title)))

    try:
        walk(list(reader.outline), 1)
    except (PdfReadError, ValueError, KeyError, AttributeError):
        return {}
    return starts


def _markdown_sections(text: str) -> Iterator[tuple[dict[str, str | int], str]]:
    starts = list(_MARKDOWN_HEADING.finditer(text))
    if not starts or starts[0].start() > 0:
        yield {}, text[: starts[0].start() if starts else len(text)]
    trail = HeadingTrail()
    for heading, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following else len(text)
        where = trail.enter(parse_heading(heading.group(2)), len(heading.group(1)))
        yield dict(where), text[heading.start() : end]


class _SectionCollector(HTMLParser):
    """Visible text of an HTML page cut at each heading (with its level), and the page's title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, int, list[str]]] = [("", 0, [])]
        self.title: list[str] = []
        self._skipping = 0
        self._in_title = False
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _HTML_SKIPPED:
            self._skipping += 1
        elif tag in _HTML_HEADINGS:
            self._heading = []
        elif tag in {"p", "br", "li", "div", "tr"}:
            self.sections[-1][2].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _HTML_SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _HTML_HEADINGS and self._heading is not None:
            title = " ".join("".join(self._heading).split())
            self.sections.append((title, int(tag[1]), [title, "\n"]))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        if self._skipping:
            return
        (self._heading if self._heading is not None else self.sections[-1][2]).append(data)


def _html_sections(text: str) -> Iterator[tuple[dict[str, str | int], str]]:
    collector = _SectionCollector()
    collector.feed(text)
    collector.close()
    trail = HeadingTrail()
    page_title = " ".join("".join(collector.title).split())
    for number, (title, level, pieces) in enumerate(collector.sections):
        where: dict[str, str | int] = dict(trail.enter(parse_heading(title), level)) if title else {}
        if number == 0 and page_title:
            where["title"] = page_title
        yield where, re.sub(r"[ \t]+", " ", "".join(pieces))


def _supported(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(".")


def _suffix_list() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))
