"""The intelligence engine: pure, deterministic decisions on plain snapshots (no I/O, no Home Assistant)."""
