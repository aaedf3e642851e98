"""Today's watch figures for the dashboard sensors, and the daily series as long-term statistics.

With Overseerr, each linked user's request-to-watch ratio is worked out alongside
(and again after the requests sync stores changes).

Both come from the plays the history sync stored, worked out in the executor after it
stores rows (at most once per COOLDOWN) and just after local midnight. Each local
day's plays, watch time and transcode share also go to Home Assistant's recorder as
external statistics (`smartplex:plays`, `smartplex:watch_time`,
`smartplex:transcode_share`, one row per day at its local midnight), so History and
the statistic graph card show them over any period. The first update after a start
imports every day; later ones yesterday and today (rows can arrive late).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
import logging
from typing import TYPE_CHECKING

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.const import PERCENTAGE, UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import dt as dt_util

from .actions.statistics import plays_cache
from .const import DOMAIN
from .engine.daily_statistics import DayTotals, daily_totals
from .engine.play_columns import PlayColumns, make_buckets
from .engine.request_statistics import watch_ratios
from .store import StoreError, async_get_store
from .sync_history import SIGNAL_HISTORY_PROGRESS, HistoryDatabaseSync
from .sync_requests import SIGNAL_REQUESTS_STORED

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry

_LOGGER = logging.getLogger(__name__)

SIGNAL_DAILY_UPDATED = f"{DOMAIN}_daily_updated"
# Seconds between two updates while pages of history keep arriving.
COOLDOWN = 60
STATISTIC_PLAYS = f"{DOMAIN}:plays"
STATISTIC_WATCH_TIME = f"{DOMAIN}:watch_time"
STATISTIC_TRANSCODE_SHARE = f"{DOMAIN}:transcode_share"


def _metadata(
    statistic_id: str, name: str, unit: str | None, *, mean: bool
) -> StatisticMetaData:
    """Return the recorder's description of one daily series (a sum, or a mean)."""
    return StatisticMetaData(
        has_sum=not mean,
        mean_type=StatisticMeanType.ARITHMETIC if mean else StatisticMeanType.NONE,
        name=name,
        source=DOMAIN,
        statistic_id=statistic_id,
        unit_class=None,
        unit_of_measurement=unit,
    )


def statistics_rows(
    days: list[DayTotals], first: int
) -> dict[str, list[StatisticData]]:
    """Return the recorder rows of the days starting at `first` or later, by statistic.

    Sums run from the first day of all, so a partial import continues them.
    """
    plays: list[StatisticData] = []
    hours: list[StatisticData] = []
    shares: list[StatisticData] = []
    plays_sum = 0
    seconds_sum = 0
    for day in days:
        plays_sum += day.plays
        seconds_sum += day.watch_seconds
        if day.start < first:
            continue
        # The recorder keeps hours: a half-hour time zone's midnight goes to its hour.
        start = dt_util.utc_from_timestamp(day.start - day.start % 3600)
        plays.append(StatisticData(start=start, state=day.plays, sum=plays_sum))
        hours.append(
            StatisticData(
                start=start,
                state=round(day.watch_seconds / 3600, 3),
                sum=round(seconds_sum / 3600, 3),
            )
        )
        if (share := day.transcode_share) is not None:
            shares.append(StatisticData(start=start, mean=share, min=share, max=share))
    return {
        STATISTIC_PLAYS: plays,
        STATISTIC_WATCH_TIME: hours,
        STATISTIC_TRANSCODE_SHARE: shares,
    }


METADATA = {
    STATISTIC_PLAYS: _metadata(STATISTIC_PLAYS, "SmartPlex plays", None, mean=False),
    STATISTIC_WATCH_TIME: _metadata(
        STATISTIC_WATCH_TIME, "SmartPlex watch time", UnitOfTime.HOURS, mean=False
    ),
    STATISTIC_TRANSCODE_SHARE: _metadata(
        STATISTIC_TRANSCODE_SHARE,
        "SmartPlex transcode share",
        PERCENTAGE,
        mean=True,
    ),
}


class DailyStatistics:
    """Today's figures of the household's plays, and their daily long-term statistics."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        histories: list[HistoryDatabaseSync],
        *,
        requests: bool,
    ) -> None:
        """Follow these history syncs (and the request syncs, if there are any)."""
        self.hass = hass
        self.entry = entry
        self.histories = histories
        self.requests = requests
        self.today: DayTotals | None = None
        # Percent of each linked Tautulli user's available requests they played.
        self.watch_ratios: dict[int, float] = {}
        # Start of the first day to import next time (None: every day).
        self._import_from: int | None = None
        self._debouncer = Debouncer(
            hass,
            _LOGGER,
            cooldown=COOLDOWN,
            immediate=True,
            function=self._async_update,
            background=True,
        )

    @callback
    def async_start(self) -> None:
        """Update now, after the history syncs store rows, and after local midnight."""
        unload: list[Callable[[], None]] = [
            async_dispatcher_connect(
                self.hass,
                SIGNAL_HISTORY_PROGRESS.format(sync.instance),
                self._async_stored,
            )
            for sync in self.histories
        ]
        if self.requests:
            unload.append(
                async_dispatcher_connect(
                    self.hass, SIGNAL_REQUESTS_STORED, self._async_schedule
                )
            )
        unload.append(
            async_track_time_change(
                self.hass, self._async_midnight, hour=0, minute=0, second=5
            )
        )
        for remove in unload:
            self.entry.async_on_unload(remove)
        self.entry.async_on_unload(self._debouncer.async_shutdown)
        self._async_schedule()

    @callback
    def _async_schedule(self) -> None:
        """Update soon (at most once per cooldown)."""
        self.hass.async_create_task(self._debouncer.async_call(), eager_start=True)

    @callback
    def _async_stored(self) -> None:
        """Update after rows were stored, once every first full sync is done.

        A first full sync stores the oldest plays first, a page every second or so:
        reading them all into the figures meanwhile only slows it down.
        """
        if all(sync.state.full_done for sync in self.histories):
            self._async_schedule()

    @callback
    def _async_midnight(self, _: datetime) -> None:
        """Start the new day at zero."""
        self._async_schedule()

    async def _async_update(self) -> None:
        """Work out the days from the database, then tell the sensors and the recorder."""
        store = async_get_store(self.hass)
        cache = plays_cache(self.hass)
        try:
            columns = await self.hass.async_add_executor_job(store.run, cache.refresh)
        except StoreError as err:
            _LOGGER.warning("Cannot read the plays for today's figures: %s", err)
            return
        if self.requests:
            try:
                self.watch_ratios = await self.hass.async_add_executor_job(
                    store.run,
                    lambda connection: watch_ratios(cache.requests(connection)),
                )
            except StoreError as err:
                _LOGGER.warning(
                    "Cannot read the requests for the watch ratios: %s", err
                )
        today = dt_util.now().date()
        days = await self.hass.async_add_executor_job(_days, columns, today)
        self.today = days[-1]
        async_dispatcher_send(self.hass, SIGNAL_DAILY_UPDATED)
        if "recorder" not in self.hass.config.components or not len(columns):
            return
        first = 0 if self._import_from is None else self._import_from
        for statistic_id, rows in statistics_rows(days, first).items():
            if rows:
                async_add_external_statistics(self.hass, METADATA[statistic_id], rows)
        self._import_from = days[-2].start


def _days(columns: PlayColumns, today: date) -> list[DayTotals]:
    """Return the totals of every local day from the first play's to today."""
    zone = dt_util.get_default_time_zone()
    first = (
        dt_util.as_local(dt_util.utc_from_timestamp(int(columns.started[0]))).date()
        if len(columns)
        else today
    )
    first = min(first, today - timedelta(days=1))
    return daily_totals(columns, make_buckets(first, today, "day", zone))
