"""Check every SmartPlex action and English sentence against a running development Home Assistant.

Run while `scripts/develop` is up:  python3 scripts/develop_check.py [--url URL] [--token TOKEN]
(the default URL uses SMARTPLEX_HA_PORT, as scripts/develop does).
Without a token it logs in through Home Assistant's login flow with the development user.
Targets (titles, request ids, queue ids) are taken from the live simulated world, so the script
does not depend on fixed ids; it changes that world (adds, approves, declines, removes).
Prints one line per check and a summary; the exit code is 1 when a check failed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from http import HTTPStatus
import json
import os
import re
import sys
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

NOT_UNDERSTOOD = "Sorry, I couldn't understand that"
HUBS = ("Sonarr", "Radarr", "Overseerr", "Tautulli", "TMDB")
ACTIONS = (
    "search",
    "add_movie",
    "add_series",
    "get_requests",
    "approve_request",
    "decline_request",
    "get_queue",
    "remove_queue_item",
    "get_calendar",
    "sync",
)


class HomeAssistant:
    """A small client for Home Assistant's REST API."""

    def __init__(self, url: str, token: str | None = None) -> None:
        """Remember the address and the access token."""
        self.url = url.rstrip("/")
        self.token = token

    def request(
        self, path: str, body: Any = None, *, form: bool = False, method: str = ""
    ) -> tuple[int, Any]:
        """POST (or GET without a body) and return the status and the decoded reply."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if form:
            data = urllib.parse.urlencode(body).encode()
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.url + path, data=data, headers=headers, method=method or None
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def log_in(self, user: str, password: str) -> None:
        """Get an access token through the login flow, as the frontend does."""
        client_id = f"{self.url}/"
        _, flow = self.request(
            "/auth/login_flow",
            {
                "client_id": client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": client_id,
            },
        )
        _, result = self.request(
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": client_id, "username": user, "password": password},
        )
        if "result" not in result:
            raise SystemExit(f"login failed: {result.get('errors')}")
        self.authorize(result["result"])

    def authorize(self, code: str) -> None:
        """Exchange an authorization code for an access token."""
        tokens = self.call(
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": f"{self.url}/",
            },
            form=True,
        )
        self.token = tokens["access_token"]

    def call(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """Send a request that must succeed and return its decoded reply."""
        status, reply = self.request(path, body, **kwargs)
        if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
            raise SystemExit(f"{path} answered HTTP {status}: {reply}")
        return reply

    def action(self, name: str, data: dict[str, Any]) -> tuple[int, Any]:
        """Call a SmartPlex action and return the status and its response (or error)."""
        status, reply = self.request(
            f"/api/services/smartplex/{name}?return_response", data
        )
        if status == 200:
            return status, reply["service_response"]
        return status, reply

    def say(self, text: str) -> tuple[str, str]:
        """Send a sentence to Assist and return the response type and spoken answer."""
        status, reply = self.request(
            "/api/conversation/process", {"text": text, "language": "en"}
        )
        if status != 200:
            return "http", f"HTTP {status}: {reply}"
        response = reply["response"]
        return response["response_type"], response["speech"]["plain"]["speech"]


class Checks:
    """Collect pass/fail lines."""

    def __init__(self) -> None:
        """Start with no results."""
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: object = "") -> bool:
        """Print and count one check."""
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        text = str(detail).replace("\n", " ")
        print(f"{'PASS' if ok else 'FAIL'}  {name}  {text[:300]}")  # noqa: T201
        return ok


def normalize(title: str) -> str:
    """Reduce a title to lower-case words, as SmartPlex matches titles."""
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def addable(ha: HomeAssistant, media_type: str, count: int) -> list[dict[str, Any]]:
    """Return search results that are not owned, requested or downloading, and unique by title."""
    found: list[dict[str, Any]] = []
    for query in ("the", "of", "a", "e", "o", "i", "n", "r", "s"):
        _, reply = ha.action(
            "search", {"query": query, "media_type": media_type, "limit": 50}
        )
        for item in reply["results"]:
            free = not (item["owned"] or item["requested"] or item["downloading"])
            # A spoken title must be simple words and must not match another title exactly.
            if free and re.fullmatch(r"[A-Za-z ]+", item["title"]):
                _, same = ha.action(
                    "search", {"query": item["title"], "media_type": media_type}
                )
                twins = [
                    other
                    for other in same["results"]
                    if normalize(other["title"]) == normalize(item["title"])
                ]
                if len(twins) == 1 and item not in found:
                    found.append(item)
            if len(found) == count:
                return found
    return found


def owned(ha: HomeAssistant, media_type: str) -> dict[str, Any] | None:
    """Return an owned search result whose title and year are unique."""
    _, reply = ha.action(
        "search", {"query": "the", "media_type": media_type, "limit": 50}
    )
    labels = [(normalize(r["title"]), r["year"]) for r in reply["results"]]
    return next(
        (
            r
            for r in reply["results"]
            if r["owned"] and labels.count((normalize(r["title"]), r["year"])) == 1
        ),
        None,
    )


def ambiguous(ha: HomeAssistant) -> dict[str, Any] | None:
    """Return add_movie data naming several movies, with the same year if there is such a pair."""
    titles: list[str] = []
    for query in ("the", "of", "a"):
        _, reply = ha.action(
            "search", {"query": query, "media_type": "movie", "limit": 50}
        )
        titles += [r["title"] for r in reply["results"]]
    repeated = sorted({t for t in titles if titles.count(t) > 1})
    for title in repeated:
        _, reply = ha.action("search", {"query": title, "media_type": "movie"})
        years = [r["year"] for r in reply["results"] if r["title"] == title]
        if twin := next((y for y in years if years.count(y) > 1), None):
            return {"title": title, "year": twin}
    return {"title": repeated[0]} if repeated else None


def pending(ha: HomeAssistant) -> list[dict[str, Any]]:
    """Return the pending requests."""
    _, reply = ha.action("get_requests", {"status": "pending", "limit": 100})
    return reply["requests"]  # type: ignore[no-any-return]


def check_descriptions(ha: HomeAssistant, checks: Checks) -> None:
    """Check that Home Assistant describes every action, as Developer tools needs."""
    status, reply = ha.request("/api/services")
    described: dict[str, Any] = {}
    if status == 200:
        domain: dict[str, Any] = next(
            (d for d in reply if d["domain"] == "smartplex"), {}
        )
        described = domain.get("services", {})
    checks.check(
        "action descriptions (GET /api/services)",
        status == 200 and set(ACTIONS) <= set(described),
        sorted(described) if status == 200 else f"HTTP {status}: {reply}",
    )


def check_actions(ha: HomeAssistant, checks: Checks) -> None:
    """Call every action with good input and check its answer against the world."""
    status, reply = ha.action("sync", {})
    checks.check(
        "sync",
        status == 200
        and sorted(reply["refreshed"]) == sorted(HUBS)
        and not reply["failed"],
        reply,
    )

    status, reply = ha.action("search", {"query": "the", "limit": 20})
    keys = {"tmdb_id", "media_type", "title", "owned", "requested", "downloading"}
    checks.check(
        "search",
        status == 200
        and bool(reply["results"])
        and all(keys <= set(r) for r in reply["results"])
        and reply["unavailable"] == [],
        f"{len(reply.get('results', []))} results" if status == 200 else reply,
    )

    movies = addable(ha, "movie", 1)
    if checks.check("add_movie: a movie to add", bool(movies), movies):
        movie = movies[0]
        status, reply = ha.action(
            "add_movie", {"title": movie["title"], "year": movie["year"]}
        )
        ok = status == 200 and reply["tmdb_id"] == movie["tmdb_id"]
        _, again = ha.action("search", {"query": movie["title"], "media_type": "movie"})
        now = next(r for r in again["results"] if r["tmdb_id"] == movie["tmdb_id"])
        checks.check("add_movie", ok and now["owned"], reply)

    shows = addable(ha, "tv", 1)
    if checks.check("add_series: a series to add", bool(shows), shows):
        show = shows[0]
        status, reply = ha.action(
            "add_series",
            {"title": show["title"], "year": show["year"], "seasons": [1]},
        )
        ok = status == 200 and reply["tmdb_id"] == show["tmdb_id"]
        checks.check("add_series", ok and reply["seasons"] == [1], reply)

    status, reply = ha.action("get_requests", {"status": "pending"})
    checks.check(
        "get_requests",
        status == 200
        and reply["total"] >= 1
        and all(r["status"] == "pending" for r in reply["requests"]),
        f"{reply.get('total')} pending" if status == 200 else reply,
    )

    requests = pending(ha)
    if checks.check(
        "approve/decline: two pending requests (else restart scripts/develop)",
        len(requests) >= 2,
    ):
        approve, decline = requests[0], requests[1]
        status, reply = ha.action(
            "approve_request", {"request_id": approve["request_id"]}
        )
        checks.check(
            "approve_request",
            status == 200 and reply["status"] == "approved",
            reply,
        )
        status, reply = ha.action(
            "decline_request",
            {"request_id": decline["request_id"], "reason": "Already on Netflix"},
        )
        checks.check(
            "decline_request",
            status == 200 and reply["status"] == "declined",
            reply,
        )
        still = {r["request_id"] for r in pending(ha)}
        checks.check(
            "approve/decline: no longer pending",
            not {approve["request_id"], decline["request_id"]} & still,
        )

    status, queue = ha.action("get_queue", {})
    checks.check(
        "get_queue",
        status == 200 and queue["total"] == len(queue["items"]),
        f"{queue.get('total')} items" if status == 200 else queue,
    )
    if checks.check("remove_queue_item: a queue item", bool(queue.get("items"))):
        item = queue["items"][0]
        status, reply = ha.action(
            "remove_queue_item",
            {
                "queue_id": item["queue_id"],
                "instance": item["instance"],
                "blocklist": False,
            },
        )
        _, after = ha.action("get_queue", {})
        gone = all(
            (i["instance"], i["queue_id"]) != (item["instance"], item["queue_id"])
            for i in after["items"]
        )
        checks.check("remove_queue_item", status == 200 and gone, reply)

    status, reply = ha.action("get_calendar", {"days": 30})
    checks.check(
        "get_calendar",
        status == 200 and reply["start"] < reply["end"] and "items" in reply,
        f"{len(reply.get('items', []))} items" if status == 200 else reply,
    )


def refused(
    checks: Checks, ha: HomeAssistant, name: str, data: dict[str, Any], expected: str
) -> str:
    """Check that bad input answers HTTP 400 with the translated message; return it."""
    status, reply = ha.action(name, data)
    message = reply.get("message", "") if isinstance(reply, dict) else str(reply)
    checks.check(
        f"{name} refuses {json.dumps(data)}",
        status == 400 and expected in message and "{" not in message,
        f"HTTP {status}: {message}",
    )
    return message


def rest_shows_refusals(ha: HomeAssistant) -> tuple[bool, str]:
    """Return whether the REST API answers a refused action with HTTP 400, and HA's version."""
    _, config = ha.request("/api/config")
    version = str(config.get("version", "")) if isinstance(config, dict) else ""
    release = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    # Earlier releases answer with a bare HTTP 500 (home-assistant/core#181590).
    return release >= (2026, 10), version


def check_refusals(ha: HomeAssistant, checks: Checks) -> None:
    """Call every action with bad input."""
    refused(
        checks, ha, "search", {"query": "x", "config_entry": "nope"}, "No SmartPlex hub"
    )
    movie = owned(ha, "movie")
    if movie:
        refused(
            checks,
            ha,
            "add_movie",
            {"title": movie["title"], "year": movie["year"]},
            "is already in",
        )
    else:
        checks.check("add_movie refusal: an owned movie", False)
    if data := ambiguous(ha):
        message = refused(checks, ha, "add_movie", data, "Several titles match")
        # Each listed candidate must be one the user can name, so none may repeat.
        listed = message.partition(": ")[2].rsplit(". ", 1)[0].split(", ")
        checks.check(
            f"add_movie {json.dumps(data)}: candidates can be told apart",
            len(set(listed)) == len(listed),
            message,
        )
    else:
        checks.check("add_movie refusal: an ambiguous title", False)
    message = refused(
        checks, ha, "add_movie", {"title": "Zzyzx Qwerty"}, "Zzyzx Qwerty"
    )
    checks.check(
        "add_movie: an unknown title is refused without a placeholder",
        "Found: -" not in message,
        message,
    )
    shows = addable(ha, "tv", 1)
    if shows:
        refused(
            checks,
            ha,
            "add_series",
            {"tmdb_id": shows[0]["tmdb_id"], "seasons": [99]},
            "has no season 99",
        )
    else:
        checks.check("add_series refusal: a series", False)
    refused(checks, ha, "get_requests", {"user": "nobody-at-all"}, "No Overseerr user")
    _, approved = ha.action("get_requests", {"status": "approved"})
    if approved["requests"]:
        refused(
            checks,
            ha,
            "approve_request",
            {"request_id": approved["requests"][0]["request_id"]},
            "was already approved",
        )
    refused(
        checks, ha, "decline_request", {"request_id": 999999}, "There is no request"
    )
    refused(checks, ha, "get_queue", {"instance": "Nope"}, "No instance named Nope")
    refused(
        checks, ha, "remove_queue_item", {"queue_id": 999999}, "There is no queue item"
    )
    refused(
        checks,
        ha,
        "get_calendar",
        {"start": "2026-12-01T00:00:00", "end": "2026-11-01T00:00:00"},
        "must be after the start",
    )
    refused(checks, ha, "sync", {"instance": "Nope"}, "No instance named Nope")


def heard(
    checks: Checks,
    ha: HomeAssistant,
    text: str,
    expect: Callable[[str], bool],
) -> None:
    """Check that Assist answers a sentence with SmartPlex's answer."""
    kind, speech = ha.say(text)
    checks.check(
        f'say "{text}"',
        kind != "http" and NOT_UNDERSTOOD not in speech and expect(speech),
        f"{kind}: {speech}",
    )


def check_sentences(ha: HomeAssistant, checks: Checks) -> None:
    """Send every documented sentence to Assist."""
    movies = addable(ha, "movie", 3)
    if checks.check("sentences: three movies to add", len(movies) == 3, movies):
        first, second, third = movies
        heard(
            checks,
            ha,
            f"add the movie {first['title']} from {first['year']}",
            lambda s: s.startswith(f"{first['title']} ({first['year']}) added to"),
        )
        heard(
            checks,
            ha,
            f"download movie {second['title']}",
            lambda s: s.startswith(f"{second['title']} ({second['year']}) added to"),
        )
        heard(
            checks,
            ha,
            f"get the film {third['title']}",
            lambda s: s.startswith(f"{third['title']} ({third['year']}) added to"),
        )
    movie = owned(ha, "movie")
    if movie:
        heard(
            checks,
            ha,
            f"add the movie {movie['title']} from {movie['year']}",
            lambda s: "is already in" in s,
        )
    shows = addable(ha, "tv", 2)
    if checks.check("sentences: two series to add", len(shows) == 2, shows):
        first, second = shows
        heard(
            checks,
            ha,
            f"add the show {first['title']}",
            lambda s: s.startswith(f"{first['title']} ({first['year']}) added to"),
        )
        heard(
            checks,
            ha,
            f"add the tv show {second['title']} from {second['year']}",
            lambda s: s.startswith(f"{second['title']} ({second['year']}) added to"),
        )
    for text in (
        "what's downloading",
        "what's downloading right now",
        "what is in the queue",
        "list the downloads",
    ):
        heard(checks, ha, text, lambda s: "download" in s and "%" in s)
    for text in (
        "what's coming up",
        "what is coming out this week",
        "what's on the calendar",
    ):
        heard(checks, ha, text, lambda s: s.startswith(("Coming up", "Nothing")))
    for text in (
        "how much space is left",
        "how much disk space do I have",
        "what's the free space",
    ):
        heard(checks, ha, text, lambda s: "GB free" in s or "TB free" in s)
    check_approve_sentences(ha, checks)


def check_approve_sentences(ha: HomeAssistant, checks: Checks) -> None:
    """Approve a named user's request and a request by title only, by voice."""
    requests = pending(ha)
    titles = [normalize(r["title"]) for r in requests]
    # Voice names a title: pick requests whose title is asked for only once.
    single = [
        r
        for r in requests
        if titles.count(normalize(r["title"])) == 1
        and re.fullmatch(r"[A-Za-z ]+", r["title"])
    ]
    # Each run approves or declines four; a fresh scripts/develop start has a new world.
    if not checks.check(
        "sentences: two pending requests (else restart scripts/develop)",
        len(single) >= 2,
        requests,
    ):
        return
    by_user, by_title = single[0], single[1]
    heard(
        checks,
        ha,
        f"approve {by_user['requested_by']}'s request for {by_user['title']}",
        lambda s: s.startswith(f"Approved {by_user['requested_by']}'s request"),
    )
    heard(
        checks,
        ha,
        f"approve the request for {by_title['title']}",
        lambda s: s.startswith(f"Approved {by_title['requested_by']}'s request"),
    )
    still = {r["request_id"] for r in pending(ha)}
    checks.check(
        "sentences: approved requests no longer pending",
        not {by_user["request_id"], by_title["request_id"]} & still,
    )


def main() -> int:
    """Run every check and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    port = os.environ.get("SMARTPLEX_HA_PORT", "8123")
    parser.add_argument("--url", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--token", help="a long-lived access token (else log in)")
    parser.add_argument("--user", default="dev")
    parser.add_argument("--password", default="smartplex-dev")
    args = parser.parse_args()
    ha = HomeAssistant(args.url, args.token)
    if not args.token:
        ha.log_in(args.user, args.password)
    checks = Checks()
    check_descriptions(ha, checks)
    check_actions(ha, checks)
    shows_refusals, version = rest_shows_refusals(ha)
    if shows_refusals:
        check_refusals(ha, checks)
    else:
        print(  # noqa: T201
            f"SKIP  refusals: the REST API of Home Assistant {version} answers a refused"
            " action with a bare HTTP 500 (from 2026.10: HTTP 400 and the message)"
        )
    check_sentences(ha, checks)
    print(  # noqa: T201
        "SKIP  LLM API SmartPlex listed: Home Assistant has no REST call that lists LLM APIs"
        " (only an LLM agent's options form shows them)"
    )
    print(f"{checks.passed} passed, {checks.failed} failed")  # noqa: T201
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
