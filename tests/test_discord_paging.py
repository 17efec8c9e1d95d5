"""Paging replies for Discord: 2,000 characters a message, nothing lost, code blocks re-opened."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.discord.paging import DISCORD_LIMIT, open_code_block, paginate, rejoin_pages


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_a_short_reply_is_one_page_unchanged() -> None:
    assert paginate("Hello **there**.") == ["Hello **there**."]


def test_pages_break_after_a_line_rather_than_inside_one() -> None:
    lines = [f"line {n} " + "x" * 80 for n in range(60)]
    text = "\n".join(lines)

    pages = paginate(text)

    assert len(pages) > 1
    assert all(page.endswith("\n") for page in pages[:-1])
    assert rejoin_pages(pages) == text


def test_a_single_long_line_breaks_between_words() -> None:
    text = " ".join(["supercalifragilistic"] * 300)

    pages = paginate(text)

    assert all(page.endswith(" ") for page in pages[:-1])
    assert all(len(page) <= DISCORD_LIMIT for page in pages)
    assert "".join(pages) == text


def test_a_code_block_cut_by_a_page_is_closed_and_reopened_with_its_language() -> None:
    code = "\n".join(f"print({n})" for n in range(400))
    text = f"Run this:\n```python\n{code}\n```\nDone."

    pages = paginate(text)

    assert len(pages) >= 2
    for page in pages[:-1]:
        assert page.endswith("\n```") and open_code_block(page) is None
    assert all(page.startswith("```python\n") for page in pages[1:])
    assert rejoin_pages(pages) == text


def test_characters_beyond_the_bmp_count_twice_toward_the_limit() -> None:
    text = "😀" * 1500  # 1,500 code points, 3,000 UTF-16 units

    pages = paginate(text)

    assert all(utf16_length(page) <= DISCORD_LIMIT for page in pages)
    assert len(pages[0]) <= DISCORD_LIMIT // 2, "each emoji is two UTF-16 units"
    assert "".join(pages) == text


def test_a_limit_too_small_for_a_reopened_fence_is_refused() -> None:
    with pytest.raises(ValueError, match="no room"):
        paginate("text", limit=50)


pieces = st.sampled_from(["word", " ", "\n", "`", "```", "```py\n", "\n```\n", "😀", "é", "\t", "x" * 40])


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=300).map("".join), st.integers(min_value=128, max_value=400))
def test_paging_never_loses_a_character_and_no_page_is_over_the_limit(text: str, limit: int) -> None:
    pages = paginate(text, limit)

    assert all(utf16_length(page) <= limit for page in pages)
    assert rejoin_pages(pages) == text
