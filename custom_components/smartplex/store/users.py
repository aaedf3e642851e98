"""People: Tautulli's users (the Plex accounts that watch) linked to Overseerr's.

A Tautulli user is linked to the Overseerr user with the same Plex id, else the same
username (Plex or Overseerr username), else the same e-mail; a link set in the hub's
options overrides that (0: never linked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import sqlite3

from custom_components.smartplex.api.overseerr_models import OverseerrUser
from custom_components.smartplex.api.tautulli_models import TautulliUser

LINKED_BY_PLEX_ID = "plex_id"
LINKED_BY_USERNAME = "username"
LINKED_BY_EMAIL = "email"
LINKED_BY_OPTIONS = "options"


@dataclass(frozen=True, slots=True)
class Person:
    """A Tautulli user and the Overseerr account linked to it, if any."""

    instance: str
    user_id: int
    name: str
    username: str
    overseerr_user_id: int | None
    overseerr_name: str | None
    linked_by: str | None


def write_tautulli_users(
    connection: sqlite3.Connection,
    instance: str,
    users: Iterable[TautulliUser],
    now: int,
) -> int:
    """Store Tautulli's users (keeping their links); return how many were new."""
    before: int = connection.execute(
        "SELECT COUNT(*) FROM users WHERE instance = ?", (instance,)
    ).fetchone()[0]
    connection.executemany(
        "INSERT INTO users (instance, user_id, username, friendly_name, email,"
        " is_active, is_admin, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (instance, user_id) DO UPDATE SET username = excluded.username,"
        " friendly_name = excluded.friendly_name, email = excluded.email,"
        " is_active = excluded.is_active, is_admin = excluded.is_admin,"
        " updated = excluded.updated",
        [
            (
                instance,
                user.user_id,
                user.username,
                user.friendly_name,
                user.email,
                int(user.is_active),
                int(user.is_admin),
                now,
            )
            for user in users
        ],
    )
    after: int = connection.execute(
        "SELECT COUNT(*) FROM users WHERE instance = ?", (instance,)
    ).fetchone()[0]
    return after - before


def write_overseerr_users(
    connection: sqlite3.Connection,
    instance: str,
    users: Iterable[OverseerrUser],
    now: int,
) -> None:
    """Store Overseerr's users."""
    connection.executemany(
        "INSERT OR REPLACE INTO overseerr_users (instance, user_id, display_name,"
        " username, plex_username, plex_id, email, request_count, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                instance,
                user.id,
                user.display_name,
                user.username,
                user.plex_username,
                user.plex_id,
                user.email,
                user.request_count,
                now,
            )
            for user in users
        ],
    )


def _fold(text: str | None) -> str | None:
    """Return text as compared (case ignored, surrounding spaces dropped)."""
    return text.strip().casefold() or None if text else None


def automatic_links(
    connection: sqlite3.Connection,
) -> dict[tuple[str, int], tuple[int | None, str | None]]:
    """Return the Overseerr user each Tautulli user is linked to without options, and how."""
    overseerr = connection.execute(
        "SELECT user_id, plex_id, username, plex_username, email FROM overseerr_users"
        " ORDER BY user_id"
    ).fetchall()
    by_plex_id = {plex_id: user_id for user_id, plex_id, *_ in overseerr if plex_id}
    by_name: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for user_id, _, username, plex_username, email in overseerr:
        for name in (plex_username, username):
            if folded := _fold(name):
                by_name.setdefault(folded, user_id)
        if folded := _fold(email):
            by_email.setdefault(folded, user_id)
    links: dict[tuple[str, int], tuple[int | None, str | None]] = {}
    for instance, user_id, username, email in connection.execute(
        "SELECT instance, user_id, username, email FROM users"
    ).fetchall():
        link: tuple[int | None, str | None]
        if user_id in by_plex_id:
            link = (by_plex_id[user_id], LINKED_BY_PLEX_ID)
        elif (name := _fold(username)) and name in by_name:
            link = (by_name[name], LINKED_BY_USERNAME)
        elif (address := _fold(email)) and address in by_email:
            link = (by_email[address], LINKED_BY_EMAIL)
        else:
            link = (None, None)
        links[instance, user_id] = link
    return links


def link_users(connection: sqlite3.Connection, overrides: Mapping[int, int]) -> None:
    """Link every Tautulli user to its Overseerr user (overrides first)."""
    connection.executemany(
        "UPDATE users SET overseerr_user_id = ?, linked_by = ?"
        " WHERE instance = ? AND user_id = ?",
        [
            (
                *(
                    (overrides[user_id] or None, LINKED_BY_OPTIONS)
                    if user_id in overrides
                    else link
                ),
                instance,
                user_id,
            )
            for (instance, user_id), link in automatic_links(connection).items()
        ],
    )


@dataclass(frozen=True, slots=True)
class LinkChoices:
    """What the options form offers: each Tautulli user, its automatic link, the accounts."""

    # (Tautulli user id, name, automatically linked Overseerr name, linked by)
    people: list[tuple[int, str, str | None, str | None]]
    # (Overseerr user id, display name)
    accounts: list[tuple[int, str]]


def link_choices(connection: sqlite3.Connection) -> LinkChoices:
    """Return the Tautulli users with their automatic links, and the Overseerr users."""
    accounts = [
        (user_id, name or f"#{user_id}")
        for user_id, name in connection.execute(
            "SELECT DISTINCT user_id, display_name FROM overseerr_users ORDER BY user_id"
        )
    ]
    names = dict(accounts)
    automatic = automatic_links(connection)
    # Links are set per Plex account: one row per user id, whichever Tautulli has it.
    people: dict[int, tuple[int, str, str | None, str | None]] = {}
    for instance, user_id, name in connection.execute(
        "SELECT instance, user_id, COALESCE(friendly_name, username) FROM users"
        " ORDER BY 3, 2"
    ):
        linked, how = automatic[instance, user_id]
        people.setdefault(
            user_id, (user_id, name, names.get(linked) if linked else None, how)
        )
    return LinkChoices(list(people.values()), accounts)


def load_people(connection: sqlite3.Connection) -> list[Person]:
    """Return every Tautulli user with its linked Overseerr user."""
    return [
        Person(*row)
        for row in connection.execute(
            "SELECT users.instance, users.user_id, users.friendly_name, users.username,"
            " users.overseerr_user_id, overseerr_users.display_name, users.linked_by"
            " FROM users LEFT JOIN overseerr_users"
            " ON overseerr_users.user_id = users.overseerr_user_id"
            " ORDER BY users.instance, users.user_id"
        )
    ]


def overseerr_ids(connection: sqlite3.Connection) -> set[int]:
    """Return the ids of the stored Overseerr users."""
    return {
        user_id
        for (user_id,) in connection.execute("SELECT user_id FROM overseerr_users")
    }
