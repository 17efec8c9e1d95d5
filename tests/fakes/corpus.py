"""A small document corpus written by the tests (a PDF made with fpdf2), with planted questions."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

MANUAL_PAGES = (
    "Warranty. The Zephyr router warranty covers parts for two years and labour for one year. "
    "Keep the receipt as proof of purchase.",
    "Reset. To reset the Zephyr router, hold the red button on the back for ten seconds until "
    "the status light blinks orange. The router then restarts with factory settings.",
)
GUIDE_MD = """# Introduction
Welcome to the Zephyr installation guide. It explains setup for new customers.

## Installation
Run the installer with the flag --quiet to skip every prompt. Installation takes about three minutes.

## Uninstalling
Open the control panel and choose remove; your settings are kept in the backup folder.
"""
FAQ_HTML = """<html><head><title>FAQ</title><style>p{color:red}</style></head><body>
<h1>Shipping</h1><p>Orders ship within five business days from our warehouse in Lyon.</p>
<h2>Returns</h2><p>Returns are accepted within thirty days when the item is unused.</p>
</body></html>
"""
NOTES_TXT = "The office cat is called Marmalade and sleeps on the printer."

PLANTED = {
    "How long does the warranty cover parts?": ("manual.pdf", 1, None, "two years"),
    "How do I reset the router to factory settings?": ("manual.pdf", 2, None, "red button"),
    "Which flag skips the installer prompts?": ("guide.md", None, "Installation", "--quiet"),
    "How many days do I have to return an item?": ("faq.html", None, "Returns", "thirty days"),
    "What is the name of the office cat?": ("notes.txt", None, None, "Marmalade"),
}
"""Question -> (file, page, section, words the right passage contains)."""


def write_pdf(path: Path, pages: tuple[str, ...]) -> Path:
    """A PDF with one page per text."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def write_corpus(folder: Path) -> Path:
    """Write the corpus (PDF, Markdown, HTML, text) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_pdf(folder / "manual.pdf", MANUAL_PAGES)
    (folder / "guide.md").write_text(GUIDE_MD, encoding="utf-8")
    (folder / "faq.html").write_text(FAQ_HTML, encoding="utf-8")
    (folder / "notes.txt").write_text(NOTES_TXT, encoding="utf-8")
    return folder
