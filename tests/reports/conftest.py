from __future__ import annotations

import pytest

from tests.reports.demo import load_demo


@pytest.fixture
async def demo(db, settings):
    return await load_demo(db, settings)
