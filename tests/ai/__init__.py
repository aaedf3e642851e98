"""Tests of the AI helper (ai/)."""
