"""Make the development Home Assistant listen on 127.0.0.1 and the chosen port, with no dialog.

It also makes http://127.0.0.1:PORT the internal URL, which webhook URLs are built from.

Run by scripts/develop before every start:  python scripts/develop_http.py CONFIG_DIR PORT

Since 2026.8 Home Assistant keeps its HTTP server settings in its own store (.storage/http, edited
under Settings > System > Network). It imports an `http:` block of configuration.yaml only once, as a
*pending* configuration: the frontend then blocks on "Confirm new HTTP server configuration", the
settings revert to the default (all interfaces, port 8123) after five minutes unless confirmed, and
every later start ignores the block, so a changed SMARTPLEX_HA_PORT would be ignored too. So
config/configuration.yaml has no `http:` block; this script saves the settings through Home
Assistant's own store as the confirmed configuration instead. Releases before 2026.8 read them only
from YAML: for those it writes them as a package (config/packages/develop_http.yaml).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import sys
from typing import Any

from homeassistant.core import HomeAssistant

HOST = "127.0.0.1"
YAML_PACKAGE = Path("packages") / "develop_http.yaml"


async def save_http_settings(hass: HomeAssistant, port: int) -> None:
    """Store 127.0.0.1:`port` as Home Assistant's confirmed HTTP settings."""
    package = Path(hass.config.path(str(YAML_PACKAGE)))
    settings: dict[str, Any] = {"server_host": [HOST], "server_port": port}
    try:
        from homeassistant.components.http.config import HTTPConfigStore
    except ImportError:
        await hass.async_add_executor_job(write_yaml_package, package, port)
        return
    await hass.async_add_executor_job(package.unlink, True)
    store = HTTPConfigStore(hass)
    # Imported as from YAML, then confirmed as the frontend's dialog would: stable, nothing pending.
    await store.async_migrate_yaml(settings)  # type: ignore[arg-type]
    if store.pending is not None:
        await store.async_promote_pending()


def write_yaml_package(package: Path, port: int) -> None:
    """Write the settings as a configuration package (Home Assistant before 2026.8)."""
    package.parent.mkdir(exist_ok=True)
    package.write_text(
        "# Written by scripts/develop_http.py on every start.\n"
        f"http:\n  server_host: {HOST}\n  server_port: {port}\n"
    )


async def save_internal_url(hass: HomeAssistant, port: int) -> None:
    """Make 127.0.0.1:`port` Home Assistant's internal URL.

    Webhook URLs (SmartPlex's push) are built from it; without one Home Assistant guesses the
    machine's network address, where a server listening on 127.0.0.1 is not reachable.
    """
    await hass.config.async_load()
    await hass.config.async_update(internal_url=f"http://{HOST}:{port}")


async def main(config_dir: str, port: int) -> None:
    """Save the settings into the configuration directory, as `hass --script auth` does."""
    hass = HomeAssistant(config_dir)
    try:
        await save_http_settings(hass, port)
        await save_internal_url(hass, port)
    finally:
        await hass.async_stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
