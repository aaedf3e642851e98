"""Print the pinned requirements of every integration the development Home Assistant sets up.

Installing them in one go before the first start avoids Home Assistant installing a dozen packages
in parallel on first boot (which races on shared dependencies and logs errors).
"""

from __future__ import annotations

import json
from pathlib import Path
import re

from homeassistant import bootstrap
import homeassistant.components
from homeassistant.const import Platform

REPOSITORY = Path(__file__).parents[1]
CONFIGURATION = REPOSITORY / "config" / "configuration.yaml"
# SmartPlex's own: Home Assistant installs them when it sets SmartPlex up, but removing an
# entry left from an earlier run imports SmartPlex without installing them.
SMARTPLEX = REPOSITORY / "custom_components" / "smartplex" / "manifest.json"
# What onboarding adds by itself.
ONBOARDING = {"met", "radio_browser", "google_translate"}
# Home Assistant's own always-loaded sets (discovery and supervisor ones are not loaded here).
ALWAYS_LOADED = ("CORE_INTEGRATIONS", "DEFAULT_INTEGRATIONS", "FRONTEND_INTEGRATIONS")


def main() -> None:
    """Resolve dependencies from the configured and always-loaded integrations."""
    root = Path(homeassistant.components.__path__[0])
    # The top-level keys of configuration.yaml are the integrations it sets up. Listing actions
    # imports the entity platforms' integrations (assist_satellite, camera, ...) and an integration's
    # platform (google_translate/tts.py) sets up its integration (tts): theirs must import too.
    todo = ONBOARDING | {platform.value for platform in Platform}
    todo |= set(re.findall(r"^(\w+):", CONFIGURATION.read_text(), re.MULTILINE))
    for name in ALWAYS_LOADED:
        todo |= set(getattr(bootstrap, name, set()))
    seen: set[str] = set()
    requirements: set[str] = set()

    def read(manifest_path: Path) -> None:
        manifest = json.loads(manifest_path.read_text())
        requirements.update(manifest.get("requirements", []))
        todo.update(manifest.get("dependencies", []))
        todo.update(manifest.get("after_dependencies", []))

    read(SMARTPLEX)
    while todo:
        domain = todo.pop()
        manifest_path = root / domain / "manifest.json"
        if domain in seen or not manifest_path.exists():
            continue
        seen.add(domain)
        read(manifest_path)
    print("\n".join(sorted(requirements)))  # noqa: T201


if __name__ == "__main__":
    main()
