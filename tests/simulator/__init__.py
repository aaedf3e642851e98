"""Tests for the simulator."""
