"""Geography statistics: plays at home and away, by country and city (never an address)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .play_columns import HOME, UNKNOWN_PLACE, PlayColumns


def geography_statistics(plays: PlayColumns, limit: int) -> dict[str, Any]:
    """Return plays at home and away, by country and by city (looked-up WAN addresses only)."""
    counts = np.bincount(plays.place, minlength=len(plays.places))
    countries: dict[str, int] = {}
    cities: list[dict[str, Any]] = []
    for code in np.flatnonzero(counts[2:]) + 2:
        country, city = plays.places[code]
        countries[country] = countries.get(country, 0) + int(counts[code])
        cities.append({"country": country, "city": city, "plays": int(counts[code])})
    cities.sort(key=lambda row: (-row["plays"], row["country"], row["city"]))
    return {
        "home_plays": int(counts[HOME]),
        "away_plays": int(counts[2:].sum()),
        "not_located": int(counts[UNKNOWN_PLACE]),
        "by_country": [
            {"country": country, "plays": plays_count}
            for country, plays_count in sorted(
                countries.items(), key=lambda item: (-item[1], item[0])
            )
        ][:limit],
        "by_city": cities[:limit],
    }
