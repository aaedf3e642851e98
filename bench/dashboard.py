"""Time the SmartPlex dashboard in a real browser and size its websocket messages.

scripts/develop runs a real Home Assistant with SmartPlex on the simulator at each scale;
headless Chromium (Debian's, through Playwright) opens every view of the SmartPlex dashboard
and records how long after the navigation started the view showed its data (the frontend
loaded, the strategy built the dashboard, the card subscribed and drew its first page: when
it can be used), how long after the page's load event (the frontend's scripts loaded, from
the browser's cache) that was, and of that how long the card waited for its first page after
subscribing (the part SmartPlex answers; the rest is Home Assistant's frontend starting). Then, from the
same page, each view is subscribed to with the largest pages (50, 49, ...: pages never kept)
to time a page built fresh and measure its size in bytes, and once more (50, now kept) to
time the kept page a view opened again shows first.

    ../shared/tools/py314 .venv/py3.14/bin/python bench/dashboard.py [--scales home large]
        [--samples 3] [--messages-only large]

Each view is opened once before measuring (the browser caches the frontend as it would for a
user coming back); the median of the samples is reported. For a scale in --messages-only the
views are opened once each and only the messages are measured (a whole page load per sample
is slow on a busy machine).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import statistics
import sys
import tempfile
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from develop_browser import (  # noqa: E402
    CARD_HAS_DATA,
    DASHBOARD,
    VIEWS,
    browser_tokens,
    chromium_path,
    create_dashboard,
    develop_stack,
    open_page,
    wait_for_hass,
)

# Notes when the page's first subscribe_view went out and its first page came back.
SUBSCRIBE_TIMES = """(() => {
  const Socket = window.WebSocket;
  window.smartplexTimes = {};
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const times = window.smartplexTimes;
        if (times.id === undefined || times.data !== undefined) return;
        for (const message of [JSON.parse(event.data)].flat()) {
          if (message.id === times.id && message.type === "event") times.data = performance.now();
        }
      });
    }
    send(text) {
      const message = JSON.parse(text);
      if (message.type === "smartplex/subscribe_view" && window.smartplexTimes.id === undefined) {
        window.smartplexTimes = { id: message.id, sent: performance.now() };
      }
      super.send(text);
    }
  };
})();"""
# When the page's load event ended: the frontend's scripts are in, the app starts.
LOAD_EVENT_END = "performance.getEntriesByType('navigation')[0].loadEventEnd"
FIRST_MESSAGE = """async ([view, limit]) => {
  const hass = document.querySelector("home-assistant").hass;
  const started = performance.now();
  let unsubscribe;
  const data = await new Promise((resolve) => {
    unsubscribe = hass.connection.subscribeMessage(resolve, {
      type: "smartplex/subscribe_view", view, limit,
    });
  });
  const ms = performance.now() - started;
  (await unsubscribe)();
  return { ms, bytes: new TextEncoder().encode(JSON.stringify(data)).length };
}"""


def measure(
    scale: str, samples: int, navigations: bool = True
) -> dict[str, dict[str, float]]:
    """Return, per view, the median time to data after navigation and the message size."""
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory() as directory,
        develop_stack(Path(directory), scale) as stack,
    ):
        tokens = browser_tokens(stack.url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=["--no-sandbox"]
            )
            page, errors = open_page(browser, stack, tokens, width=1280, height=900)
            page.context.add_init_script(SUBSCRIBE_TIMES)
            create_dashboard(page)
            for view in VIEWS:
                page.goto(f"/{DASHBOARD}/{view}")  # warm the browser's cache
                page.wait_for_function(CARD_HAS_DATA, arg=view)
                # The first load (cold cache) counts only when it is the one measured.
                shown = [] if navigations else [page.evaluate("performance.now()")]
                waited, after_load = [], []
                for _ in range(samples if navigations else 0):
                    page.goto(f"/{DASHBOARD}/{view}")
                    page.wait_for_function(CARD_HAS_DATA, arg=view)
                    shown.append(page.evaluate("performance.now()"))
                    after_load.append(shown[-1] - page.evaluate(LOAD_EVENT_END))
                    times = page.evaluate("window.smartplexTimes")
                    waited.append(times["data"] - times["sent"])
                results[view] = {"shown_ms": statistics.median(shown)}
                if waited:
                    results[view]["waited_ms"] = statistics.median(waited)
                    results[view]["after_load_ms"] = statistics.median(after_load)
                wait_for_hass(page)
                built = [
                    page.evaluate(FIRST_MESSAGE, [view, 50 - sample])
                    for sample in range(samples)
                ]
                kept = page.evaluate(FIRST_MESSAGE, [view, 50])
                results[view] |= {
                    "built_ms": statistics.median(item["ms"] for item in built),
                    "kept_ms": kept["ms"],
                    "message_bytes": max(item["bytes"] for item in built),
                }
                print(scale, view, results[view], flush=True)
            browser.close()
        if errors:
            results["console_errors"] = {"count": float(len(errors))}
    return results


def main() -> None:
    """Measure each scale and print a table (and the JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["home"])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--messages-only", nargs="*", default=[])
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for scale in args.scales:
        report[scale] = measure(
            scale, args.samples, navigations=scale not in args.messages_only
        )
        print(
            f"\n{scale}: view | shown after navigation | after the load event"
            " | of it waiting for data | page built (50) | kept page | size"
        )
        for view, numbers in report[scale].items():
            if view == "console_errors":
                print(f"  console errors: {int(numbers['count'])}")
                continue
            print(
                f"  {view:<10} | {numbers['shown_ms']:7.0f} ms | "
                f"{numbers.get('after_load_ms', 0):7.0f} ms | "
                f"{numbers.get('waited_ms', 0):7.0f} ms | "
                f"{numbers['built_ms']:7.0f} ms | {numbers['kept_ms']:7.0f} ms | "
                f"{numbers['message_bytes'] / 1000:6.1f} kB"
            )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
