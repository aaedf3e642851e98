"""The engine's shared snapshots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.smartplex.engine.models import (
    Decision,
    Feature,
    Identity,
    Play,
    Score,
)


def test_identity_round_trip() -> None:
    """The compact form reads back to the same identity and orders by type, then id."""
    identity = Identity("tv", 1396)
    assert str(identity) == "tv:1396"
    assert Identity.parse("tv:1396") == identity
    assert sorted([Identity("tv", 2), Identity("movie", 9), Identity("movie", 3)]) == [
        Identity("movie", 3),
        Identity("movie", 9),
        Identity("tv", 2),
    ]


@pytest.mark.parametrize(
    "text", ["", "tv", "tv:", "show:1", "movie:-3", "movie:1.5", "1396"]
)
def test_identity_parse_refuses(text: str) -> None:
    """Anything but `movie:<id>` or `tv:<id>` is refused."""
    with pytest.raises(ValueError, match="not a title identity"):
        Identity.parse(text)


@pytest.mark.parametrize(
    ("percent", "finished"), [(0, False), (84, False), (85, True), (100, True)]
)
def test_play_finished(percent: int, finished: bool) -> None:
    """A play counts as finished from Tautulli's 85% watched threshold."""
    play = Play(
        user_id="1",
        identity=None,
        started=datetime(2026, 1, 1, tzinfo=UTC),
        watched_seconds=60,
        percent_complete=percent,
    )
    assert play.finished is finished


def test_score_is_the_sum_of_its_features() -> None:
    """A score adds its weighted features and reports each contribution by name."""
    score = Score((Feature("recency", 0.5, 2.0), Feature("quality", 0.25)))
    assert score.total == pytest.approx(1.25)
    assert score.as_dict() == {"recency": 1.0, "quality": 0.25}
    decision = Decision(
        identity=Identity("movie", 603),
        action="approve",
        score=score,
        reason="Because you finished The Matrix",
    )
    assert decision.evidence == ()
    assert decision.score.total == pytest.approx(1.25)
