"""Pieces shared by SmartPlex's config, subentry and options flows."""

from __future__ import annotations

from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def normalize_url(url: str) -> str:
    """Return the URL without surrounding spaces and trailing slashes."""
    return url.strip().rstrip("/")
