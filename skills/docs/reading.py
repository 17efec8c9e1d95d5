"""Files to llama-index Documents, one per PDF page or Markdown/HTML section, with citation metadata."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

from llama_index.core import Document

from conversation.errors import BadInput

PDF_SUFFIXES = frozenset({".pdf"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
TEXT_SUFFIXES = frozenset({".txt", ".text", ".rst"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES
CITATION_KEYS = ("file", "page", "section")
"""Metadata each Document carries; kept out of the embedded and prompted text."""

_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
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
    if suffix in PDF_SUFFIXES:
        parts = _pdf_pages(path)
    elif suffix in MARKDOWN_SUFFIXES:
        parts = _markdown_sections(path.read_text(encoding="utf-8", errors="replace"))
    elif suffix in HTML_SUFFIXES:
        parts = _html_sections(path.read_text(encoding="utf-8", errors="replace"))
    else:
        parts = iter([({}, path.read_text(encoding="utf-8", errors="replace"))])
    documents = []
    for number, (where, text) in enumerate(parts, start=1):
        if not text.strip():
            continue
        metadata: dict[str, str | int] = {"file": path.name, **where}
        documents.append(
            Document(
                id_=f"{path}#{number}",
                text=text.strip(),
                metadata=metadata,
                excluded_embed_metadata_keys=list(metadata),
                excluded_llm_metadata_keys=list(metadata),
            )
        )
    return documents


def _pdf_pages(path: Path) -> Iterator[tuple[dict[str, str | int], str]]:
    from pypdf import PdfReader  # noqa: PLC0415 - only PDFs need it
    from pypdf.errors import PdfReadError  # noqa: PLC0415

    try:
        reader = PdfReader(path)
        pages = [(page_number, page.extract_text() or "") for page_number, page in enumerate(reader.pages, 1)]
    except (PdfReadError, ValueError, OSError) as error:
        raise BadInput(f"{path}: not a readable PDF ({error})") from error
    for page_number, text in pages:
        yield {"page": page_number}, text


def _markdown_sections(text: str) -> Iterator[tuple[dict[str, str | int], str]]:
    starts = list(_MARKDOWN_HEADING.finditer(text))
    if not starts or starts[0].start() > 0:
        yield {}, text[: starts[0].start() if starts else len(text)]
    for heading, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following else len(text)
        yield {"section": heading.group(1)}, text[heading.start() : end]


class _SectionCollector(HTMLParser):
    """Visible text of an HTML page, cut at each heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, list[str]]] = [("", [])]
        self._skipping = 0
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIPPED:
            self._skipping += 1
        elif tag in _HTML_HEADINGS:
            self._heading = []
        elif tag in {"p", "br", "li", "div", "tr"}:
            self.sections[-1][1].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _HTML_HEADINGS and self._heading is not None:
            title = " ".join("".join(self._heading).split())
            self.sections.append((title, [title, "\n"]))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        (self._heading if self._heading is not None else self.sections[-1][1]).append(data)


def _html_sections(text: str) -> Iterator[tuple[dict[str, str | int], str]]:
    collector = _SectionCollector()
    collector.feed(text)
    collector.close()
    for title, pieces in collector.sections:
        yield ({"section": title} if title else {}), re.sub(r"[ \t]+", " ", "".join(pieces))


def _supported(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(".")


def _suffix_list() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))
