"""Poster images for the simulated media: small PNGs drawn from a title's id, no assets."""

from __future__ import annotations

import struct
import zlib

WIDTH = 100
HEIGHT = 150


def _chunk(kind: bytes, data: bytes) -> bytes:
    """Return one PNG chunk."""
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def poster_png(seed: int) -> bytes:
    """Return a 100x150 PNG: a two-colour gradient with a band, different for each seed."""
    hue = (seed * 47) % 360
    top = _rgb(hue, 0.55, 0.45)
    bottom = _rgb((hue + 40) % 360, 0.6, 0.18)
    band = _rgb((hue + 180) % 360, 0.5, 0.7)
    rows = bytearray()
    for y in range(HEIGHT):
        share = y / (HEIGHT - 1)
        colour = (
            band
            if 96 <= y < 104
            else tuple(
                round(a + (b - a) * share) for a, b in zip(top, bottom, strict=True)
            )
        )
        rows += b"\x00" + bytes(colour) * WIDTH
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _rgb(hue: float, saturation: float, lightness: float) -> tuple[int, int, int]:
    """Return an RGB colour from hue (degrees), saturation and lightness (0-1)."""
    chroma = (1 - abs(2 * lightness - 1)) * saturation
    x = chroma * (1 - abs((hue / 60) % 2 - 1))
    m = lightness - chroma / 2
    r, g, b = [
        (chroma, x, 0),
        (x, chroma, 0),
        (0, chroma, x),
        (0, x, chroma),
        (x, 0, chroma),
        (chroma, 0, x),
    ][int(hue // 60) % 6]
    return (round((r + m) * 255), round((g + m) * 255), round((b + m) * 255))
