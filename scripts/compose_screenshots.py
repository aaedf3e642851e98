"""Compose the README's screenshots from a browser-test run's .screenshots/ (Pillow).

Each view's image is its desktop light, desktop dark, phone light and phone dark screenshots
side by side: the top 900 px of each page at half size, 12 px apart, as JPEG.

    .venv/py3.13/bin/python scripts/compose_screenshots.py [view ...]
"""

from __future__ import annotations

from pathlib import Path
import sys

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / ".screenshots"
OUT = REPO / "docs" / "screenshots"
TILES = ("desktop-light", "desktop-dark", "phone-light", "phone-dark")
TOP = 900
GAP = 12


def compose(view: str) -> Path:
    """Write docs/screenshots/<view>.jpg from the view's four screenshots."""
    tiles = []
    for tile in TILES:
        with Image.open(SHOTS / f"{view}-{tile}.png") as shot:
            top = shot.convert("RGB").crop((0, 0, shot.width, min(TOP, shot.height)))
            tiles.append(top.resize((top.width // 2, top.height // 2)))
    width = sum(tile.width for tile in tiles) + GAP * (len(tiles) - 1)
    sheet = Image.new("RGB", (width, TOP // 2), "white")
    left = 0
    for tile in tiles:
        sheet.paste(tile, (left, 0))
        left += tile.width + GAP
    path = OUT / f"{view}.jpg"
    sheet.save(path, quality=80, optimize=True)
    return path


if __name__ == "__main__":
    for name in sys.argv[1:] or ["care"]:
        print(compose(name))  # noqa: T201
