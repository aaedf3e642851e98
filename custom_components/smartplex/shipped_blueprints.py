"""Install the automation blueprints SmartPlex ships into the user's blueprints folder."""

from __future__ import annotations

from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

SHIPPED = Path(__file__).parent / "blueprints" / "automation"


def install_blueprints(config_dir: Path) -> list[str]:
    """Copy each shipped blueprint that is missing; never overwrite the user's copy."""
    target = config_dir / "blueprints" / "automation" / DOMAIN
    installed = []
    for source in sorted(SHIPPED.glob("*.yaml")):
        destination = target / source.name
        if destination.exists():
            continue
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        installed.append(source.name)
    return installed


async def async_install_blueprints(hass: HomeAssistant) -> None:
    """Install missing blueprints, off the event loop."""
    try:
        installed = await hass.async_add_executor_job(
            install_blueprints, Path(hass.config.config_dir)
        )
    except OSError as err:
        LOGGER.warning("Could not install SmartPlex's blueprints: %s", err)
        return
    if installed:
        LOGGER.info("Installed SmartPlex blueprints: %s", ", ".join(installed))
