// The report cards: watch statistics as charts, and the history (sync log and audit trail).
import { escapeHtml, relativeTime, SmartPlexCard } from "./card.js";
import { localize } from "./strings.js";

const PERIODS = ["today", "yesterday", "week", "month", "quarter", "year"];

const percent = (share) => (share === null || share === undefined ? "–" : `${Math.round(share * 100)} %`);

// A key's translation, or the value itself when the key has none (a new action's name).
function translated(hass, prefix, value) {
  const key = `${prefix}.${value}`;
  const text = localize(hass, key);
  return text === key ? String(value) : text;
}

const REPORT_STYLES = `
  .tiles { display: grid; gap: 8px; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); }
  .tile { border: 1px solid var(--divider-color); border-radius: 8px; padding: 8px; }
  .tile .value { font-size: 1.4em; color: var(--primary-text-color); }
  .columns { display: flex; align-items: flex-end; gap: 2px; height: 120px; padding-top: 4px;
    border-bottom: 1px solid var(--divider-color); }
  .columns > div { flex: 1; min-width: 0; background: var(--primary-color); border-radius: 2px 2px 0 0; }
  .axis { display: flex; justify-content: space-between; color: var(--secondary-text-color); font-size: 0.8em; }
  .bars { display: grid; grid-template-columns: minmax(0, 10em) 1fr auto; gap: 4px 8px; align-items: center; }
  .bars .bar { height: 10px; border-radius: 5px; background: var(--primary-color); }
  .bars span { overflow-wrap: anywhere; color: var(--primary-text-color); }
  .bars .count { color: var(--secondary-text-color); font-size: 0.9em; }
  .stack { display: flex; height: 16px; border-radius: 8px; overflow: hidden; background: var(--divider-color); }
  .direct_play { background: var(--success-color, #43a047); }
  .direct_stream { background: var(--info-color, #039be5); }
  .transcode { background: var(--warning-color, #ffa600); }
  .legend { display: flex; flex-wrap: wrap; gap: 12px; color: var(--secondary-text-color); font-size: 0.9em; }
  .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; }
  .grid2 { display: grid; gap: 0 24px; grid-template-columns: repeat(auto-fit, minmax(min(100%, 300px), 1fr)); }
  select { font: inherit; padding: 4px 8px; border-radius: 4px; border: 1px solid var(--divider-color);
    background: var(--card-background-color); color: var(--primary-text-color); }
  table.log { width: 100%; border-collapse: collapse; }
  table.log td, table.log th { padding: 4px 8px 4px 0; border-bottom: 1px solid var(--divider-color);
    text-align: left; vertical-align: top; color: var(--primary-text-color); overflow-wrap: anywhere; }
  table.log th { font-weight: 500; color: var(--secondary-text-color); }
  .badge.done { background: var(--success-color, #43a047); }
  .badge.failed, .badge.unknown { background: var(--error-color, #db4437); }
  .badge.pending { background: var(--info-color, #039be5); }
`;

export class SmartPlexStatisticsCard extends SmartPlexCard {
  static view = "statistics";

  static styles = REPORT_STYLES;

  static editorSchema = [
    ...SmartPlexCard.editorSchema,
    {
      name: "period",
      selector: {
        select: {
          mode: "dropdown",
          options: PERIODS.map((period) => ({
            value: period,
            label: localize(undefined, `statistics.period.${period}`),
          })),
        },
      },
    },
  ];

  constructor() {
    super();
    this._period = "month";
  }

  setConfig(config) {
    if (config?.period && !PERIODS.includes(config.period)) {
      throw new Error(`period must be one of ${PERIODS.join(", ")}`);
    }
    const period = config?.period ?? "month";
    const changed = this._config && period !== this._period;
    this._period = period;
    super.setConfig(config);
    if (changed) this._resubscribe();
  }

  _filters() {
    return { period: this._period };
  }

  _tile(label, value) {
    return `<div class="tile"><div class="secondary">${escapeHtml(label)}</div>
      <div class="value">${escapeHtml(value)}</div></div>`;
  }

  _columns(label, values, first, last) {
    const most = Math.max(1, ...values.map((entry) => entry.value));
    const bars = values
      .map(
        (entry) =>
          `<div style="height:${(entry.value / most) * 100}%" title="${escapeHtml(
            `${entry.label}: ${entry.value}`,
          )}"></div>`,
      )
      .join("");
    const summary = values.map((entry) => `${entry.label}: ${entry.value}`).join(", ");
    return `<h3>${escapeHtml(label)}</h3>
      <div class="columns" role="img" aria-label="${escapeHtml(`${label}. ${summary}`)}">${bars}</div>
      <div class="axis"><span>${escapeHtml(first)}</span><span>${escapeHtml(last)}</span></div>`;
  }

  _bars(label, rows) {
    if (!rows.length) return "";
    const most = Math.max(1, ...rows.map((row) => row.value));
    return `<h3>${escapeHtml(label)}</h3><div class="bars">${rows
      .map(
        (row) => `<span>${escapeHtml(row.name)}</span>
          <div class="bar" style="width:${(row.value / most) * 100}%" aria-hidden="true"></div>
          <span class="count">${escapeHtml(row.text ?? row.value)}</span>`,
      )
      .join("")}</div>`;
  }

  _quality(quality) {
    const shares = ["direct_play", "direct_stream", "transcode"].map((kind) => ({
      kind,
      share: quality[`${kind}_share`] ?? 0,
      label: this._t(`statistics.${kind}`),
    }));
    return `<h3>${escapeHtml(this._t("statistics.quality"))}</h3>
      <div class="stack" role="img" aria-label="${escapeHtml(
        shares.map((entry) => `${entry.label} ${percent(entry.share)}`).join(", "),
      )}">${shares
        .map((entry) => `<div class="${entry.kind}" style="width:${entry.share * 100}%"></div>`)
        .join("")}</div>
      <div class="legend">${shares
        .map((entry) => `<span><i class="${entry.kind}"></i>${escapeHtml(entry.label)} ${percent(entry.share)}</span>`)
        .join("")}</div>`;
  }

  _contentHtml(data) {
    const { watch, quality, geography, requests } = data;
    const select = `<label class="actions">${escapeHtml(this._t("statistics.period"))}
      <select name="period">${PERIODS.map(
        (period) =>
          `<option value="${period}" ${period === this._period ? "selected" : ""}>${escapeHtml(
            this._t(`statistics.period.${period}`),
          )}</option>`,
      ).join("")}</select></label>`;
    const series = watch.series.map((entry) => ({ label: entry.start, value: entry.plays }));
    const hours = quality.concurrent_peaks_by_hour.map((value, hour) => ({ label: `${hour}:00`, value }));
    const tiles = `<div class="tiles">
      ${this._tile(this._t("statistics.plays"), watch.plays)}
      ${this._tile(this._t("statistics.hours"), watch.watch_hours)}
      ${this._tile(this._t("statistics.completion"), percent(watch.completion_rate))}
      ${this._tile(this._t("statistics.transcode"), percent(quality.transcode_share))}
      ${this._tile(this._t("statistics.peak_streams"), quality.peak_concurrent_streams)}
      ${this._tile(this._t("statistics.peak_bandwidth"), `${quality.peak_bandwidth_mbps} Mbit/s`)}
    </div>`;
    const empty = watch.plays ? "" : `<p class="message">${escapeHtml(this._t("statistics.no_plays"))}</p>`;
    const users = watch.by_user.map((row) => ({
      name: row.name,
      value: row.plays,
      text: this._t("statistics.user_plays", { plays: row.plays, hours: row.watch_hours }),
    }));
    const titles = watch.most_watched.map((row) => ({
      name: row.title,
      value: row.plays,
      text: this._t("statistics.title_plays", { plays: row.plays, viewers: row.viewers }),
    }));
    const countries = geography.by_country.map((row) => ({ name: row.country, value: row.plays }));
    const place = this._t("statistics.places", {
      home: geography.home_plays,
      away: geography.away_plays,
      unknown: geography.not_located,
    });
    const asked = [
      this._t("statistics.requests_summary", {
        requests: requests.requests,
        approved: requests.approved,
        declined: requests.declined,
      }),
      requests.request_to_watch_ratio === null
        ? ""
        : this._t("statistics.requests_watched", { watched: percent(requests.request_to_watch_ratio) }),
    ].join(" ");
    return `${select}${tiles}${empty}
      ${this._columns(this._t("statistics.plays_over_time"), series, data.start, data.end)}
      <div class="grid2">
        <div>${this._quality(quality)}
          ${this._columns(this._t("statistics.peaks_by_hour"), hours, "0:00", "23:00")}</div>
        <div>${this._bars(this._t("statistics.by_user"), users)}</div>
        <div>${this._bars(this._t("statistics.most_watched"), titles)}</div>
        <div>${this._bars(this._t("statistics.countries"), countries)}
          <p class="secondary">${escapeHtml(place)}</p></div>
        <div><h3>${escapeHtml(this._t("statistics.requests"))}</h3><p class="secondary">${escapeHtml(asked)}</p></div>
      </div>`;
  }

  _bind() {
    this.shadowRoot.querySelector("select[name=period]")?.addEventListener("change", (event) => {
      this._period = event.target.value;
      this._offset = 0;
      this._resubscribe();
      this._render();
    });
  }
}

export class SmartPlexHistoryCard extends SmartPlexCard {
  static view = "history";

  static styles = REPORT_STYLES;

  _runs(data) {
    if (data.sync_error) {
      return `<p class="message error" role="alert">${escapeHtml(data.sync_error)}</p>`;
    }
    if (!data.runs.length) return `<p class="message">${escapeHtml(this._t("history.no_runs"))}</p>`;
    const rows = data.runs
      .map(
        (run) => `<tr><td>${escapeHtml(relativeTime(this._hass, run.finished))}</td>
          <td>${escapeHtml(run.instance)} · ${escapeHtml(translated(this._hass, "history.kind", run.kind))}</td>
          <td>${escapeHtml(this._t("history.rows", { added: run.added, changed: run.changed }))}</td>
          <td><span class="badge ${escapeHtml(run.status)}">${escapeHtml(
            translated(this._hass, "history.status", run.status),
          )}</span>${run.error ? ` <span class="error">${escapeHtml(run.error)}</span>` : ""}</td></tr>`,
      )
      .join("");
    return `<table class="log"><thead><tr><th>${escapeHtml(this._t("history.when"))}</th>
      <th>${escapeHtml(this._t("history.what"))}</th><th>${escapeHtml(this._t("history.changes"))}</th>
      <th>${escapeHtml(this._t("history.outcome"))}</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  _contentHtml(data) {
    const audit = data.audit_error
      ? `<p class="message error" role="alert">${escapeHtml(data.audit_error)}</p>`
      : data.items.length
        ? `<ul class="list">${data.items.map((row) => auditItem(this._hass, row)).join("")}</ul>${this._pager()}`
        : `<p class="message">${escapeHtml(this._t("history.no_writes"))}</p>`;
    return `<h3>${escapeHtml(this._t("history.audit"))}</h3>${audit}
      <h3>${escapeHtml(this._t("history.sync"))}</h3>${this._runs(data)}`;
  }
}

// One audited write: what, on what, who asked through which surface, and how it ended.
export function auditItem(hass, row) {
  const who = row.user
    ? localize(hass, "history.by_user", { user: row.user, source: translated(hass, "history.source", row.source) })
    : translated(hass, "history.source", row.source);
  return `<li class="item" data-audit="${escapeHtml(row.id)}"><div class="body">
    <span class="title">${escapeHtml(translated(hass, "history.action", row.action))}
      <span class="badge ${escapeHtml(row.status)}">${escapeHtml(translated(hass, "history.status", row.status))}</span></span>
    <span class="secondary">${escapeHtml(row.target)}</span>
    <span class="secondary">${escapeHtml(relativeTime(hass, row.time))} · ${escapeHtml(who)}</span>
    ${row.reason ? `<span class="secondary">“${escapeHtml(row.reason)}”</span>` : ""}
    ${row.error ? `<span class="secondary error">${escapeHtml(row.error)}</span>` : ""}
  </div></li>`;
}
