"""Fixtures for the NLU tests: indexes built once per test session."""

from __future__ import annotations

import pytest

from locales.faq import topic_patterns
from nlu import CatalogIndex
from storage.sample import load_base_catalog
from tests.nlu.catalogs import ankara_catalog


@pytest.fixture(scope="session")
def index() -> CatalogIndex:
    """The index of the bundled İzmir sample catalog."""
    return CatalogIndex.build(load_base_catalog(), topic_patterns())


@pytest.fixture(scope="session")
def ankara_index() -> CatalogIndex:
    """The index of an invented Ankara catalog with other names and keywords."""
    return CatalogIndex.build(ankara_catalog(), topic_patterns())
