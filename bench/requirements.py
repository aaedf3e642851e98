"""Print the PyPI requirements the installed Home Assistant pins for the core integrations benchmarked.

`python -m bench.requirements` prints the four integrations' own requirements;
`--missing` imports them with all their modules and prints the requirements of the component
whose import failed (core Overseerr imports cloud, which imports tts, ...), or nothing when
everything imports. scripts/bench installs until nothing is missing.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
import sys
import traceback

import homeassistant.components

CORE_DOMAINS = ("sonarr", "radarr", "overseerr", "tautulli")
COMPONENTS = Path(homeassistant.components.__path__[0])


def manifest_requirements(domain: str) -> list[str]:
    """Return the requirements a component's manifest pins."""
    manifest = json.loads((COMPONENTS / domain / "manifest.json").read_text())
    return list(manifest["requirements"])


def import_integration(package: str) -> None:
    """Import a package and every module beside its __init__."""
    for path in sorted(Path(importlib.import_module(package).__path__[0]).glob("*.py")):
        importlib.import_module(f"{package}.{path.stem}")


def missing_requirements() -> list[str]:
    """Return the requirements of the component whose module failed to import (none: [])."""
    try:
        for domain in CORE_DOMAINS:
            import_integration(f"homeassistant.components.{domain}")
    except ModuleNotFoundError as err:
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            path = Path(frame.filename)
            if path.is_relative_to(COMPONENTS):
                return manifest_requirements(path.relative_to(COMPONENTS).parts[0])
        raise
    return []


def main() -> None:
    """Print requirements separated by spaces."""
    if sys.argv[1:] == ["--missing"]:
        print(" ".join(missing_requirements()))
    else:
        print(" ".join(r for d in CORE_DOMAINS for r in manifest_requirements(d)))


if __name__ == "__main__":
    main()
