"""TMDB details and related lists cached with a time to live; the memory of recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from custom_components.smartplex.engine.models import (
    Decision,
    Feature,
    Identity,
    Score,
    TitleInfo,
)
from custom_components.smartplex.store import SmartPlexStore
from custom_components.smartplex.store.decisions import (
    HOUSEHOLD,
    RecommendationState,
    reconcile,
    record_shown,
    set_state,
    titles_in_state,
)
from custom_components.smartplex.store.metadata import (
    DETAILS_TTL_SECONDS,
    RELATED_TTL_SECONDS,
    get_related,
    get_titles,
    put_related,
    put_titles,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WIRE = Identity("tv", 1438)
HEAT = Identity("movie", 949)
FULL = TitleInfo(
    identity=WIRE,
    title="The Wire",
    year=2002,
    release_date=datetime(2002, 6, 2, tzinfo=UTC),
    overview="Baltimore.",
    poster_url="https://image.tmdb.org/t/p/w500/wire.jpg",
    genres=("Crime", "Drama"),
    keywords=("police",),
    people=("Dominic West", "David Simon"),
    language="en",
    vote_average=8.6,
    vote_count=2500,
    popularity=55.5,
    tvdb_id=79126,
    imdb_id="tt0306414",
)
BARE = TitleInfo(identity=HEAT, title="Heat")


def test_titles_round_trip_until_they_expire(tmp_path: Path) -> None:
    """Every field reads back; a row older than the time to live is not returned."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    store.transaction(partial(put_titles, titles=[FULL], now=NOW))
    store.run(partial(put_titles, titles=[BARE], now=NOW - timedelta(days=8)))

    fresh = store.run(partial(get_titles, identities=[WIRE, HEAT, WIRE], now=NOW))
    long_ttl = store.run(
        partial(get_titles, identities=[HEAT], now=NOW, ttl=9 * 86_400)
    )
    store.run(partial(put_titles, titles=[FULL], now=NOW + timedelta(days=1)))
    later = NOW + timedelta(seconds=DETAILS_TTL_SECONDS + 3600)
    refreshed = store.run(partial(get_titles, identities=[WIRE], now=later))
    store.close()

    assert fresh == {WIRE: FULL}
    assert long_ttl == {HEAT: BARE}
    assert refreshed == {WIRE: FULL}


def test_related_lists_keep_their_order_per_kind(tmp_path: Path) -> None:
    """A related list reads back in order, per kind, and expires."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    shield, justified = Identity("tv", 1414), Identity("tv", 37680)
    store.run(
        partial(
            put_related,
            identity=WIRE,
            kind="recommendations",
            related=[justified, shield],
            now=NOW,
        )
    )

    found = store.run(
        partial(get_related, identities=[WIRE, HEAT], kind="recommendations", now=NOW)
    )
    similar = store.run(
        partial(get_related, identities=[WIRE], kind="similar", now=NOW)
    )
    expired = store.run(
        partial(
            get_related,
            identities=[WIRE],
            kind="recommendations",
            now=NOW + timedelta(seconds=RELATED_TTL_SECONDS + 1),
        )
    )
    store.close()

    assert found == {WIRE: (justified, shield)}
    assert similar == {}
    assert expired == {}


def test_recommendation_memory(tmp_path: Path) -> None:
    """Shown titles keep a dismissal; the household's dismissals count for everyone."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    shown = Decision(
        identity=WIRE,
        action="recommend",
        score=Score((Feature("similar_to_watched", 0.5),)),
        reason="Because",
    )
    store.run(partial(record_shown, user="7", decisions=[shown], now=NOW))
    store.run(
        partial(
            set_state,
            user="7",
            identity=WIRE,
            state=RecommendationState.DISMISSED,
            now=NOW,
        )
    )
    store.run(partial(record_shown, user="7", decisions=[shown], now=NOW))
    store.run(
        partial(
            set_state,
            user=HOUSEHOLD,
            identity=HEAT,
            state=RecommendationState.DISMISSED,
            now=NOW,
        )
    )

    dismissed = store.run(
        partial(titles_in_state, user="7", state=RecommendationState.DISMISSED)
    )
    other = store.run(
        partial(titles_in_state, user="8", state=RecommendationState.DISMISSED)
    )
    still_shown = store.run(
        partial(titles_in_state, user="7", state=RecommendationState.SHOWN)
    )
    store.close()

    assert dismissed == {WIRE, HEAT}
    assert other == {HEAT}
    assert still_shown == set()


def test_reconcile_moves_shown_titles_to_added_and_watched(tmp_path: Path) -> None:
    """Played since shown: watched (by anyone, for the household); in a library: added.

    A play from before the title was shown counts for nothing.
    """
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    shown_at = NOW - timedelta(days=3)

    def shown(identity: Identity) -> Decision[str]:
        return Decision(
            identity=identity,
            action="recommend",
            score=Score((Feature("similar_to_watched", 0.5),)),
            reason="Because",
        )

    plex = Identity("movie", 603)
    store.run(partial(record_shown, user="7", decisions=[shown(WIRE)], now=shown_at))
    store.run(
        partial(record_shown, user=HOUSEHOLD, decisions=[shown(HEAT)], now=shown_at)
    )
    store.run(partial(record_shown, user="7", decisions=[shown(plex)], now=shown_at))
    store.run(
        lambda c: c.executemany(
            "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
            " full_title, started, play_duration, paused_counter, percent_complete,"
            " watched_status, identity_type, tmdb_id, matched_by) VALUES ('t', ?, ?,"
            " 'u', 'movie', 'x', 'x', ?, 60, 0, 100, 1, ?, ?, 'guid')",
            [
                # Person 8 watched The Wire: not person 7's; person 8 watched Heat:
                # the household's; person 7 watched The Matrix before it was shown.
                (1, 8, int(NOW.timestamp()), "tv", WIRE.tmdb_id),
                (2, 8, int(NOW.timestamp()), "movie", HEAT.tmdb_id),
                (3, 7, int(shown_at.timestamp()) - 60, "movie", plex.tmdb_id),
            ],
        )
    )

    store.run(partial(reconcile, owned={plex}, now=NOW))
    states = store.run(
        lambda c: {
            (user, tmdb_id): state
            for user, tmdb_id, state in c.execute(
                "SELECT user, tmdb_id, state FROM recommendations"
            )
        }
    )
    store.run(
        lambda c: c.execute(
            "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
            " full_title, started, play_duration, paused_counter, percent_complete,"
            " watched_status, identity_type, tmdb_id, matched_by) VALUES ('t', 4, 7,"
            " 'u', 'movie', 'x', 'x', ?, 60, 0, 100, 1, 'movie', ?, 'guid')",
            (int(NOW.timestamp()), plex.tmdb_id),
        )
    )
    store.run(partial(reconcile, owned={plex}, now=NOW))
    watched = store.run(
        partial(titles_in_state, user="7", state=RecommendationState.WATCHED)
    )
    store.close()

    assert states == {
        ("7", WIRE.tmdb_id): "shown",
        (HOUSEHOLD, HEAT.tmdb_id): "watched",
        ("7", plex.tmdb_id): "added",
    }
    assert watched == {HEAT, plex}
