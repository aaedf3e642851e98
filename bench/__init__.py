"""Side-by-side benchmark of SmartPlex and Home Assistant core's media integrations (scripts/bench)."""
