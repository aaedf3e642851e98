"""Proposals of the AI helper in the database: taken once, by their user, until they expire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from custom_components.smartplex.store import SmartPlexStore
from custom_components.smartplex.store.proposals import (
    KEEP_DAYS,
    Proposal,
    ProposalStatus,
    ProposedAction,
    expire_proposals,
    latest_proposal,
    save_proposal,
    take_proposal,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ADD = ProposedAction("add_movie", {"tmdb_id": 10138}, "add movie: tmdb_id 10138")


def proposal(proposal_id: str, user_id: str | None, created: datetime) -> Proposal:
    """Return a proposal of one add, live for 15 minutes from created."""
    return Proposal(
        id=proposal_id,
        entry_id="hub",
        user_id=user_id,
        question="Add it",
        actions=[ADD],
        created=created,
        expires=created + timedelta(minutes=15),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SmartPlexStore]:
    """Return an opened store in a temporary directory, closed after the test."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    yield store
    store.close()


def test_taken_once_by_its_user_and_audited(store: SmartPlexStore) -> None:
    """Another user, another hub or a second confirmation get nothing; the first is audited."""
    store.transaction(partial(save_proposal, proposal=proposal("p1", "anna", NOW)))
    take = partial(take_proposal, proposal_id="p1", source="service", now=NOW)
    assert store.transaction(partial(take, entry_id="hub", user_id="ben")) is None
    assert store.transaction(partial(take, entry_id="other", user_id="anna")) is None
    taken = store.transaction(partial(take, entry_id="hub", user_id="anna"))
    assert taken is not None
    assert (taken.actions, taken.user_id, taken.question) == ([ADD], "anna", "Add it")
    assert taken.status is ProposalStatus.CONFIRMED
    assert store.transaction(partial(take, entry_id="hub", user_id="anna")) is None
    [record] = store.audit()
    assert (record.action, record.source, record.user_id) == (
        "proposal_confirmed",
        "service",
        "anna",
    )
    assert record.target == ADD.summary
    assert record.details["actions"] == [
        {"action": "add_movie", "arguments": {"tmdb_id": 10138}}
    ]


def test_a_proposal_without_user_is_taken_without_user(store: SmartPlexStore) -> None:
    """An automation's proposal (no user) is confirmed by a call without a user only."""
    store.transaction(partial(save_proposal, proposal=proposal("p1", None, NOW)))
    take = partial(take_proposal, proposal_id="p1", entry_id="hub", now=NOW)
    assert store.transaction(partial(take, user_id="anna", source="llm")) is None
    assert store.transaction(partial(take, user_id=None, source="llm")) is not None


def test_latest_and_expiry(store: SmartPlexStore) -> None:
    """The newest live proposal is the latest; past its expiry it is expired once, audited."""
    store.transaction(partial(save_proposal, proposal=proposal("p1", "anna", NOW)))
    later = NOW + timedelta(minutes=5)
    store.transaction(partial(save_proposal, proposal=proposal("p2", "anna", later)))
    latest = partial(latest_proposal, entry_id="hub", user_id="anna")
    assert store.transaction(partial(latest, now=later)) == "p2"
    assert store.transaction(partial(latest, now=NOW + timedelta(minutes=16))) == "p2"
    assert store.transaction(partial(latest, now=later + timedelta(minutes=15))) is None
    assert store.transaction(partial(expire_proposals, now=later)) == []
    expired = store.transaction(
        partial(expire_proposals, now=NOW + timedelta(minutes=15))
    )
    assert [p.id for p in expired] == ["p1"]
    assert (
        store.transaction(partial(expire_proposals, now=NOW + timedelta(minutes=15)))
        == []
    )
    take = partial(
        take_proposal, entry_id="hub", user_id="anna", source="service", now=later
    )
    assert store.transaction(partial(take, proposal_id="p1")) is None
    [record] = store.audit()
    assert (record.action, record.source, record.details["proposal_id"]) == (
        "proposal_expired",
        "expiry",
        "p1",
    )


def test_finished_proposals_are_dropped_after_keep_days(store: SmartPlexStore) -> None:
    """Storing a proposal deletes finished ones older than KEEP_DAYS, never live ones."""
    store.transaction(partial(save_proposal, proposal=proposal("old", "anna", NOW)))
    store.transaction(partial(save_proposal, proposal=proposal("live", "ben", NOW)))
    store.transaction(partial(expire_proposals, now=NOW + timedelta(minutes=15)))
    store.transaction(
        partial(
            take_proposal,
            proposal_id="live",
            entry_id="hub",
            user_id="ben",
            source="service",
            now=NOW,
        )
    )
    store.transaction(partial(save_proposal, proposal=proposal("kept", "anna", NOW)))
    later = NOW + timedelta(days=KEEP_DAYS + 1)
    store.transaction(partial(save_proposal, proposal=proposal("new", "anna", later)))
    ids = store.run(
        lambda connection: [
            row[0] for row in connection.execute("SELECT id FROM proposals ORDER BY id")
        ]
    )
    assert ids == ["kept", "new"]
