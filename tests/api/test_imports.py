"""api/, engine/ and ai/ (but ai_task.py) must stay free of Home Assistant imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2] / "custom_components" / "smartplex"


def homeassistant_imports(path: Path) -> list[str]:
    """Return the homeassistant modules a source file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return [name for name in found if name.split(".")[0] == "homeassistant"]


def test_no_homeassistant_imports() -> None:
    """No module under api/, engine/ or ai/ (but ai/ai_task.py) imports homeassistant."""
    files = [
        p
        for folder in ("api", "engine", "ai")
        for p in sorted((ROOT / folder).rglob("*.py"))
        # The AI Task provider is Home Assistant's own surface.
        if p.relative_to(ROOT).as_posix() != "ai/ai_task.py"
    ]
    assert any(p.parent.name == "api" for p in files)
    offenders = {str(p.relative_to(ROOT)): homeassistant_imports(p) for p in files}
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_detector_finds_imports(tmp_path: Path) -> None:
    """The detector itself sees both import forms."""
    source = tmp_path / "bad.py"
    source.write_text(
        "import homeassistant.core\nfrom homeassistant.const import X\nimport aiohttp\n"
    )
    assert homeassistant_imports(source) == [
        "homeassistant.core",
        "homeassistant.const",
    ]
