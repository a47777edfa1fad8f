"""Shared pytest fixtures."""

from __future__ import annotations

import pytest

from index.embedder import Embedder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default (bundled) model, loaded once per test session."""
    e = Embedder()
    e.load()
    return e
