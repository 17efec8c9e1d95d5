"""A retrieved passage and where it came from: what answers cite."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*$")


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrieved piece of text with where it came from, ready to cite."""

    text: str
    score: float
    file: str
    page: int | None
    section: str | None
    node_id: str

    @property
    def location(self) -> str:
        """``file, section 3`` / ``file, page 2, section "Install"`` / ``file``."""
        parts = [self.file]
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.section:
            numbered = _SECTION_NUMBER.match(self.section)
            parts.append(f"section {self.section}" if numbered else f'section "{self.section}"')
        return ", ".join(parts)
