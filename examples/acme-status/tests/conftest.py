"""The fake order API, and chatwright's ``bot`` fixture configured to use it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from acme_status.fake_api import FakeOrderApi, running_order_api

from chatwright.testing import bot  # the fixture: every installed skill, this plugin's too

__all__ = ["bot"]

ORDERS = {
    "123": {"status": "shipped", "updated": "2026-12-03"},
    "77": {"status": "being packed", "updated": "2026-12-04"},
}


@pytest.fixture
async def api() -> AsyncIterator[FakeOrderApi]:
    async with running_order_api(ORDERS) as running:
        yield running


@pytest.fixture
def chatwright_config(api: FakeOrderApi) -> dict[str, dict[str, Any]]:
    return {"status": {"api_url": api.url, "retry_after_s": "0.1"}}
