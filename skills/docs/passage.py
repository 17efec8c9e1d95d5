"""A retrieved passage and where it came from: what answers cite."""

from __future__ import annotations

from dataclasses import dataclass


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
        """``file, page 3`` / ``file, section "Install"`` / ``file``."""
        if self.page is not None:
            return f"{self.file}, page {self.page}"
        if self.section:
            return f'{self.file}, section "{self.section}"'
        return self.file
