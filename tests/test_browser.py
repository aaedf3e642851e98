"""The SmartPlex dashboard in a real browser: headless Chromium on scripts/develop's Home Assistant.

scripts/develop runs a real Home Assistant (with its frontend) connected to the simulator at home
scale; Playwright drives Debian's chromium. Every view renders at phone and desktop widths in the
light and the dark theme without console errors, the buttons act on the simulated services and
cancelling changes nothing. Screenshots go to .screenshots/ (or SMARTPLEX_SCREENSHOTS) for review.

Home Assistant needs Python 3.13.2+, so on the floor leg (3.13.0 here) this module is skipped; the
current leg runs it. In CI (CI=true) a missing browser or Playwright fails instead of skipping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import importlib.util
import os
from pathlib import Path
import sys
import threading
from typing import TYPE_CHECKING, Any

import pytest
from pytest_socket import enable_socket

SCRIPTS = Path(__file__).parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

from develop_browser import (  # noqa: E402
    CARD_HAS_DATA,
    DASHBOARD,
    PASSWORD,
    USER,
    VIEWS,
    DevelopStack,
    browser_tokens,
    chromium_path,
    create_dashboard,
    develop_python,
    develop_stack,
    open_page,
    wait_for_hass,
)
from develop_check import HomeAssistant, addable  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

SCREENSHOTS = Path(
    os.environ.get("SMARTPLEX_SCREENSHOTS", Path(__file__).parents[1] / ".screenshots")
)
# What each view shows with the simulator's data (nobody may watch; no plan yet).
SHOWN = {
    "status": "li.item",
    "downloads": "li.item",
    "requests": "li.item .triage .badge",
    "discover": "li.item .reason",
    "statistics": ".tiles .tile",
    "history": "table.log tbody tr",
}
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
MISSING = [
    reason
    for reason, missing in (
        ("Debian's chromium (apt-get install chromium)", chromium_path() is None),
        (
            "Playwright (requirements_test.txt)",
            importlib.util.find_spec("playwright") is None,
        ),
    )
    if missing
]
if MISSING and os.environ.get("CI") and develop_python() is not None:
    raise RuntimeError(f"the browser tests need {', '.join(MISSING)}")
pytestmark = [
    pytest.mark.skipif(
        develop_python() is None,
        reason="Home Assistant needs Python 3.13.2+ (the current leg runs this)",
    ),
    pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}"),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevelopStack]:
    """Run scripts/develop (simulator + Home Assistant) for the whole module."""
    enable_socket()  # module fixtures run before each test's socket_enabled
    with develop_stack(tmp_path_factory.mktemp("develop")) as running:
        yield running


def in_browser[ResultT](scenario: Callable[[Browser], ResultT]) -> ResultT:
    """Run `scenario` with headless Chromium (Debian's) in a thread of its own.

    Playwright's sync API runs an event loop of its own, which cannot share the test's thread
    with the Home Assistant test harness's loop.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium_path(), args=["--no-sandbox"]
                )
                try:
                    outcome["result"] = scenario(browser)
                finally:
                    browser.close()
        except BaseException as err:  # noqa: BLE001
            outcome["error"] = err

    before = set(threading.enumerate())
    thread = threading.Thread(target=run, name="browser")
    thread.start()
    thread.join()
    # Playwright's loop leaves its executor threads finishing after it closed.
    for leftover in set(threading.enumerate()) - before:
        leftover.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def tokens(stack: DevelopStack) -> dict[str, Any]:
    """Log in once and create the SmartPlex dashboard."""
    enable_socket()
    found = browser_tokens(stack.url)

    def create(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, found, width=1280, height=900)
        create_dashboard(page)
        page.context.close()
        return errors

    assert in_browser(create) == []
    return found


def show_view(page: Page, view: str) -> None:
    """Open a view of the SmartPlex dashboard and wait until its card shows data."""
    page.goto(f"/{DASHBOARD}/{view}")
    try:
        wait_for_hass(page)
        content = page.locator(f"smartplex-{view}-card .content")
        failed = page.get_by_text("Error loading the dashboard strategy")
        # The frontend waits a few seconds for a custom strategy's module; on a busy
        # machine the module can take longer to load than that, and a reload finds it.
        for _ in range(3):
            content.or_(failed).first.wait_for()
            if content.count():
                break
            page.reload()
        content.wait_for()
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"failed-{view}.png")
        raise
    page.wait_for_function(CARD_HAS_DATA, arg=view)


def posters_loaded(page: Page, view: str) -> int:
    """Return how many posters of a card loaded (a broken one is replaced, never counted)."""
    return int(
        page.locator(f"smartplex-{view}-card img.poster").evaluate_all(
            "(images) => images.filter((image) => image.complete && image.naturalWidth > 0).length"
        )
    )


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_view_renders(
    stack: DevelopStack,
    tokens: dict[str, Any],
    size: str,
    dark: bool,
    socket_enabled: None,
) -> None:
    """Each view shows the simulator's data, with posters, and logs no console error."""
    width, height = SIZES[size]
    ensure_downloads(stack)

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(
            browser, stack, tokens, width=width, height=height, dark=dark
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for view in VIEWS:
            show_view(page, view)
            card = page.locator(f"smartplex-{view}-card")
            if view in SHOWN:
                assert card.locator(SHOWN[view]).count() > 0, view
            page.wait_for_load_state("networkidle")
            if view == "downloads":
                assert posters_loaded(page, view) > 0
            page.screenshot(
                path=SCREENSHOTS / f"{view}-{size}-{'dark' if dark else 'light'}.png",
                full_page=True,
            )
            # The card fits the width: no horizontal scrolling on a phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.context.close()
        return errors

    assert in_browser(scenario) == []


def request_status(stack: DevelopStack, request_id: int) -> int:
    """Return a request's status as Overseerr has it (1 pending, 2 approved, 3 declined)."""
    return int(stack.sim("overseerr", f"/api/v1/request/{request_id}")["status"])


def test_approve_and_decline_requests(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """Approve acts at once; Decline asks first, and cancelling changes nothing."""

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=1280, height=900)
        show_view(page, "requests")
        card = page.locator("smartplex-requests-card")
        first = card.locator("li.item").first
        request_id = int(first.get_attribute("data-request") or 0)
        assert request_status(stack, request_id) == 1
        first.get_by_role("button", name="Approve").click()
        card.locator(f'li.item[data-request="{request_id}"]').wait_for(state="detached")
        assert request_status(stack, request_id) == 2

        second = card.locator("li.item").first
        other_id = int(second.get_attribute("data-request") or 0)
        second.get_by_role("button", name="Decline").click()
        dialog = card.locator("dialog")
        dialog.get_by_role("button", name="Cancel").click()
        assert dialog.count() == 0
        assert request_status(stack, other_id) == 1

        second.get_by_role("button", name="Decline").click()
        dialog.get_by_label("Reason (optional)").fill("Already on Netflix")
        dialog.get_by_role("button", name="Decline").click()
        card.locator(f'li.item[data-request="{other_id}"]').wait_for(state="detached")
        assert request_status(stack, other_id) == 3
        page.context.close()
        return errors

    assert in_browser(scenario) == []


def queue_ids(stack: DevelopStack) -> set[tuple[str, int]]:
    """Return the queue record ids of both simulated *arrs."""
    return {
        (service, record["id"])
        for service in ("sonarr", "radarr")
        for record in stack.sim(service, "/api/v3/queue?page=1&pageSize=500")["records"]
    }


def ensure_downloads(stack: DevelopStack) -> None:
    """Add movies through SmartPlex until something downloads (the world's own finish)."""
    if queue_ids(stack):
        return
    ha = HomeAssistant(stack.url)
    ha.log_in(USER, PASSWORD)
    for item in addable(ha, "movie", 2):
        status, reply = ha.action("add_movie", {"tmdb_id": item["tmdb_id"]})
        assert status == 200, reply
    assert queue_ids(stack)


def queue_removals(stack: DevelopStack) -> int:
    """Return how many queue removals both simulated *arrs were asked for."""
    served = stack.sim("radarr", "/_sim/traffic")["services"]
    return sum(
        counted["requests"]
        for service in ("sonarr", "radarr")
        for endpoint, counted in served.get(service, {}).items()
        if endpoint.startswith("DELETE /api/v3/queue")
    )


def test_remove_download(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """Remove asks first (cancelling removes nothing); confirming removes it upstream.

    Counted from the requests the *arrs received and their blocklist, not from the queue,
    which the simulator's clock also changes (downloads finish while the test runs).
    """
    ensure_downloads(stack)
    removals = queue_removals(stack)
    blocklisted = stack.sim("radarr", "/_sim/state")["blocklisted"]

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=390, height=844)
        show_view(page, "downloads")
        card = page.locator("smartplex-downloads-card")
        item = card.locator("li.item").first
        title = item.locator(".title").inner_text()
        item.get_by_role("button", name="Remove").click()
        dialog = card.locator("dialog")
        dialog.get_by_role("button", name="Cancel").click()
        assert queue_removals(stack) == removals

        item.get_by_role("button", name="Remove").click()
        dialog.get_by_label("Blocklist this release").check()
        dialog.get_by_role("button", name="Remove").click()
        card.locator("li.item .title", has_text=title).first.wait_for(state="detached")
        assert queue_removals(stack) == removals + 1
        assert stack.sim("radarr", "/_sim/state")["blocklisted"] == blocklisted + 1
        page.context.close()
        return errors

    assert in_browser(scenario) == []


def test_keyboard_approve(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """The buttons are reachable and usable with the keyboard alone."""

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=1280, height=900)
        show_view(page, "requests")
        card = page.locator("smartplex-requests-card")
        first = card.locator("li.item").first
        request_id = int(first.get_attribute("data-request") or 0)
        first.get_by_role("button", name="Approve").focus()
        page.keyboard.press("Enter")
        card.locator(f'li.item[data-request="{request_id}"]').wait_for(state="detached")
        assert request_status(stack, request_id) == 2
        page.context.close()
        return errors

    assert in_browser(scenario) == []


def fullest_disk_percent(stack: DevelopStack) -> int:
    """Return the use of the fullest simulated disk, in whole percent."""
    return max(
        int((disk["totalSpace"] - disk["freeSpace"]) * 100 / disk["totalSpace"])
        for service in ("sonarr", "radarr")
        for disk in stack.sim(service, "/api/v3/diskspace")
        if disk["totalSpace"]
    )


def library_size(stack: DevelopStack) -> int:
    """Return how many titles both simulated *arrs hold."""
    return len(stack.sim("radarr", "/api/v3/movie")) + len(
        stack.sim("sonarr", "/api/v3/series")
    )


def make_plan(page: Page, target: int) -> Locator:
    """Ask the care view for a cleanup plan up to a disk target; return its card."""
    show_view(page, "care")
    card = page.locator("smartplex-care-card")
    card.get_by_label("Fill each disk up to (%)").fill(str(target))
    card.get_by_role("button", name="Make a cleanup plan").click()
    return card


def test_cleanup_plan_confirmed(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """A plan lists titles with sizes and reasons; confirming removes the ticked ones."""
    target = fullest_disk_percent(stack) - 3
    before = library_size(stack)

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=1280, height=900)
        card = make_plan(page, target)
        planned = card.locator("li.item[data-key]")  # the plan's titles
        planned.first.wait_for()
        keys = planned.evaluate_all("(items) => items.map((item) => item.dataset.key)")
        assert len(keys) > 1
        # The ticked whole titles leave the library; a season's series stays in it.
        titles_removed = sum(key.count("/") == 1 for key in keys[1:])
        kept = planned.first.locator(".title").inner_text()
        planned.first.get_by_role("checkbox").uncheck()
        card.locator("li.item.unticked").wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "care-desktop-light.png", full_page=True)
        card.get_by_role("button", name="Remove these titles").click()
        card.locator("dialog").get_by_role("button", name="Cancel").click()
        assert library_size(stack) == before
        card.get_by_role("button", name="Remove these titles").click()
        card.locator("dialog").get_by_role("button", name="Remove these titles").click()
        card.get_by_text("(0 failed, 1 kept)").wait_for()
        assert library_size(stack) == before - titles_removed
        assert kept.split(" (")[0] in library_titles(stack)
        page.context.close()
        return errors

    assert in_browser(scenario) == []


def library_titles(stack: DevelopStack) -> set[str]:
    """Return the titles both simulated *arrs hold."""
    return {
        item["title"]
        for service, path in (("radarr", "/api/v3/movie"), ("sonarr", "/api/v3/series"))
        for item in stack.sim(service, path)
    }


def test_add_and_dismiss_recommendations(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """Add puts a recommended movie in Radarr; Not interested keeps a title away."""

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=390, height=844)
        show_view(page, "discover")
        card = page.locator("smartplex-discover-card")
        movie = card.locator('li.item[data-title^="movie:"]').first
        added = movie.get_attribute("data-title") or ""
        before = library_size(stack)
        movie.get_by_role("button", name="Add").click()
        card.locator(f'li.item[data-title="{added}"]').wait_for(state="detached")
        assert library_size(stack) == before + 1
        other = card.locator("li.item").first
        dismissed = other.get_attribute("data-title") or ""
        other.get_by_role("button", name="Never recommend").click()
        card.locator(f'li.item[data-title="{dismissed}"]').wait_for(state="detached")
        page.reload()
        show_view(page, "discover")
        shown = card.locator("li.item").evaluate_all(
            "(items) => items.map((item) => item.dataset.title)"
        )
        assert shown
        assert dismissed not in shown
        assert added not in shown
        page.context.close()
        return errors

    assert in_browser(scenario) == []


def test_care_view_lists_leaving_soon_and_suggestions(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """A plan's titles in their grace period and upgrade suggestions show on a phone."""
    ha = HomeAssistant(stack.url)
    ha.log_in(USER, PASSWORD)
    status, graced = ha.action(
        "plan_cleanup",
        {"target_percent": fullest_disk_percent(stack) - 3, "grace_days": 7},
    )
    assert status == 200, graced
    before = library_size(stack)

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=390, height=844)
        show_view(page, "care")
        card = page.locator("smartplex-care-card")
        leaving = card.locator("li.item.leaving .title")
        leaving.first.wait_for()
        assert (
            leaving.all_inner_texts()
            == [item["title"] for item in graced["items"]][:50]
        )
        assert card.get_by_text("Can be removed from").count() == leaving.count()
        assert card.get_by_role("heading", name="Upgrade suggestions").count() == 1
        assert card.locator("li.item.upgrade, li.item.downgrade").count() > 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "care-phone-leaving.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        page.context.close()
        return errors

    assert in_browser(scenario) == []
    assert library_size(stack) == before


# The card editor of the statistics card as Home Assistant's card editor makes it; what the
# editor reports changing lands in window.smartplexEditorConfigs.
OPEN_EDITOR = """() => {
  const card = customElements.get("smartplex-statistics-card");
  const editor = card.getConfigElement();
  window.smartplexEditorConfigs = [];
  editor.addEventListener("config-changed", (event) => {
    window.smartplexEditorConfigs.push(event.detail.config);
  });
  editor.hass = document.querySelector("home-assistant").hass;
  editor.setConfig({ type: "custom:smartplex-statistics-card", title: "Plays" });
  document.body.appendChild(editor);
  return Boolean(customElements.get("ha-form"));
}"""


def test_statistics_card_editor_offers_the_period(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """The statistics card's editor has a period field; choosing one changes the config."""

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=1280, height=900)
        show_view(page, "statistics")
        page.evaluate(OPEN_EDITOR)
        editor = page.locator("body > smartplex-card-editor")
        editor.get_by_label("Period shown first").click()
        editor.get_by_text("Last 365 days").click()
        configs = page.evaluate("window.smartplexEditorConfigs")
        assert configs[-1] == {
            "type": "custom:smartplex-statistics-card",
            "title": "Plays",
            "period": "year",
        }
        page.context.close()
        return errors

    assert in_browser(scenario) == []


def test_a_title_gone_before_confirming_is_named(
    stack: DevelopStack, tokens: dict[str, Any], socket_enabled: None
) -> None:
    """A planned movie deleted in Radarr before Confirm is named in the outcome."""
    target = fullest_disk_percent(stack) - 3

    def scenario(browser: Browser) -> list[str]:
        page, errors = open_page(browser, stack, tokens, width=1280, height=900)
        card = make_plan(page, target)
        movie = card.locator('li.item[data-key*="/movie:"]').first
        movie.wait_for()
        title = movie.locator(".title").inner_text()
        tmdb_id = int((movie.get_attribute("data-key") or "").rsplit(":", 1)[1])
        [gone] = [
            item
            for item in stack.sim("radarr", "/api/v3/movie")
            if item["tmdbId"] == tmdb_id
        ]
        stack.sim("radarr", f"/api/v3/movie/{gone['id']}", method="DELETE")
        card.get_by_role("button", name="Remove these titles").click()
        card.locator("dialog").get_by_role("button", name="Remove these titles").click()
        card.locator("p.message", has_text=title).wait_for()
        page.context.close()
        return errors

    assert in_browser(scenario) == []
