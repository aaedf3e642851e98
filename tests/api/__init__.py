"""Tests for the SmartPlex API clients."""
