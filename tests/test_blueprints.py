"""The shipped blueprints: Home Assistant's own loader accepts them and they work end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import Blueprint
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.smartplex.const import CONF_NOTIFY_TARGETS, DOMAIN
from custom_components.smartplex.shipped_blueprints import (
    SHIPPED,
    async_install_blueprints,
    install_blueprints,
)
from simulator import Simulator

from .conftest import deliver
from .helpers_world import unknown_title

NAMES = sorted(path.name for path in SHIPPED.glob("*.yaml"))


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give Home Assistant an empty configuration folder."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path


async def test_loader_accepts_every_blueprint(
    hass: HomeAssistant, config_dir: Path
) -> None:
    """Installed blueprints load through the automation integration's own loader."""
    assert NAMES == [
        "disk_pressure.yaml",
        "download_failed.yaml",
        "new_request.yaml",
        "ready_to_watch.yaml",
    ]
    await async_install_blueprints(hass)
    assert await async_setup_component(hass, "automation", {})
    loaded = await async_get_blueprints(hass).async_get_blueprints()
    for name in NAMES:
        blueprint = loaded[f"{DOMAIN}/{name}"]
        assert isinstance(blueprint, Blueprint), blueprint
        assert blueprint.domain == "automation"


def test_install_keeps_the_users_copy(tmp_path: Path) -> None:
    """Missing blueprints are installed; an edited one is never overwritten."""
    assert install_blueprints(tmp_path) == NAMES
    edited = tmp_path / "blueprints" / "automation" / DOMAIN / "ready_to_watch.yaml"
    edited.write_text(edited.read_text().replace("Ready to watch", "Film time"))
    assert install_blueprints(tmp_path) == []
    assert "Film time" in edited.read_text()


def automation(path: str, **inputs: object) -> dict[str, object]:
    """Return an automation using a SmartPlex blueprint."""
    return {"use_blueprint": {"path": f"{DOMAIN}/{path}", "input": inputs}}


async def test_ready_to_watch_and_new_request(
    hass: HomeAssistant,
    config_dir: Path,
    ha_url: str,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A request gets Approve/Decline/Why? buttons; approving it ends in "ready to watch"."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        options={
            **config_entry.options,
            CONF_NOTIFY_TARGETS: {"anna": "notify.mobile_app_anna"},
        },
    )
    anna_phone = async_mock_service(hass, "notify", "mobile_app_anna")
    admin_phone = async_mock_service(hass, "notify", "mobile_app_admin")
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await deliver(hass, simulator)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                automation("ready_to_watch.yaml"),
                automation("new_request.yaml", notify_action="notify.mobile_app_admin"),
            ]
        },
    )
    await hass.async_block_till_done()

    world = simulator.world
    anna = next(i for i, user in enumerate(world.users) if user.username == "anna")
    title = unknown_title(world, "movie", released_before=simulator.stack.clock.now())
    request = simulator.stack.create_request(anna, title)
    # The automation now waits for a button: block_till_done would wait with it.
    await until(simulator, lambda: bool(admin_phone))
    [asked] = admin_phone
    assert asked.data["message"] == f"anna requested {title.title}."
    buttons = [button["title"] for button in asked.data["data"]["actions"]]
    assert buttons == ["Approve", "Decline", "Why?"]

    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": asked.data["data"]["actions"][0]["action"]},
    )
    await until(simulator, lambda: world.requests[request.id].status == 2)
    await hass.async_block_till_done()
    await deliver(hass, simulator)

    await simulator.advance(6 * 3600)
    await deliver(hass, simulator)
    ready = [call for call in anna_phone if title.title in call.data["message"]]
    assert len(ready) == 1
    assert ready[0].data["title"] == "Ready to watch"


async def until(simulator: Simulator, condition: Callable[[], bool]) -> None:
    """Deliver webhooks and yield to Home Assistant until condition holds (at most 5 s)."""
    async with asyncio.timeout(5):
        while not condition():
            await simulator.stack.webhooks.drain()
            await asyncio.sleep(0.01)
