// SmartPlex dashboard: cards, their editors and the "SmartPlex" dashboard strategy.
// Plain custom elements (no build step); data comes live from the SmartPlex websocket API.
import { localize } from "./strings.js";

const DOMAIN = "smartplex";
const VIEWS = ["status", "downloads", "requests", "activity", "care"];
const VIEW_ICONS = {
  status: "mdi:heart-pulse",
  downloads: "mdi:download",
  requests: "mdi:account-question",
  activity: "mdi:play-circle",
  care: "mdi:broom",
};
const DEFAULT_PAGE = 20;

const escapeHtml = (value) =>
  String(value ?? "").replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char],
  );

function formatBytes(hass, bytes) {
  if (bytes === null || bytes === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const language = hass?.locale?.language || "en";
  return `${value.toLocaleString(language, { maximumFractionDigits: 1 })} ${units[unit]}`;
}

function relativeTime(hass, iso) {
  if (!iso) return localize(hass, "status.never");
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const format = new Intl.RelativeTimeFormat(hass?.locale?.language || "en", { numeric: "auto" });
  const steps = [
    [60, "second"],
    [3600, "minute"],
    [86400, "hour"],
    [Infinity, "day"],
  ];
  let divisor = 1;
  for (const [limit, unit] of steps) {
    if (Math.abs(seconds) < limit) return format.format(Math.round(seconds / divisor), unit);
    divisor = limit;
  }
  return "";
}

function formatDate(hass, iso) {
  const language = hass?.locale?.language || "en";
  const date = new Date(iso.length === 10 ? `${iso}T12:00:00` : iso);
  return date.toLocaleDateString(language, { weekday: "short", day: "numeric", month: "short" });
}

const STYLES = `
  :host { display: block; }
  ha-card { overflow: hidden; }
  .header { display: flex; align-items: center; justify-content: space-between; gap: 8px;
    padding: 16px 16px 0; font-size: var(--ha-card-header-font-size, 24px);
    color: var(--ha-card-header-color, var(--primary-text-color)); }
  .header h2 { margin: 0; font-size: inherit; font-weight: 400; line-height: 1.2; }
  .content { padding: 16px; }
  .message { color: var(--secondary-text-color); padding: 8px 0; }
  .message a, a.fix { color: var(--primary-color); }
  .error { color: var(--error-color); }
  ul.list { list-style: none; margin: 0; padding: 0; display: grid; gap: 12px;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 320px), 1fr)); }
  li.item { display: flex; gap: 12px; align-items: flex-start; min-width: 0;
    border: 1px solid var(--divider-color); border-radius: var(--ha-card-border-radius, 12px);
    padding: 8px; background: var(--card-background-color, transparent); }
  .poster { flex: none; width: 60px; height: 90px; border-radius: 6px; object-fit: cover;
    background: var(--divider-color); display: flex; align-items: center; justify-content: center;
    color: var(--secondary-text-color); }
  .body { flex: 1; min-width: 0; display: flex; flex-direction: column; gap: 4px; }
  .title { font-weight: 500; color: var(--primary-text-color); overflow-wrap: anywhere; }
  .secondary { color: var(--secondary-text-color); font-size: 0.9em; overflow-wrap: anywhere; }
  .progress { height: 6px; border-radius: 3px; background: var(--divider-color); overflow: hidden; }
  .progress > div { height: 100%; background: var(--primary-color); }
  .actions { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 4px; }
  button { font: inherit; font-weight: 500; cursor: pointer; border-radius: 18px; min-height: 36px;
    padding: 0 16px; border: 1px solid var(--primary-color); color: var(--primary-color);
    background: transparent; }
  button.primary { background: var(--primary-color); color: var(--text-primary-color, #fff); }
  button.danger { border-color: var(--error-color); color: var(--error-color); }
  button:focus-visible { outline: 2px solid var(--primary-color); outline-offset: 2px; }
  button:disabled { opacity: 0.5; cursor: default; }
  .badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 0.85em;
    color: var(--text-primary-color, #fff); background: var(--secondary-text-color); }
  .badge.ok { background: var(--success-color, #43a047); }
  .badge.starting { background: var(--info-color, #039be5); }
  .badge.down, .badge.auth, .badge.unsupported { background: var(--error-color, #db4437); }
  .pager { display: flex; align-items: center; justify-content: flex-end; gap: 8px;
    padding-top: 12px; color: var(--secondary-text-color); }
  h3 { font-size: 1em; font-weight: 500; margin: 16px 0 8px; color: var(--primary-text-color); }
  table.upcoming { width: 100%; border-collapse: collapse; }
  table.upcoming td { padding: 4px 8px 4px 0; border-bottom: 1px solid var(--divider-color);
    color: var(--primary-text-color); vertical-align: top; }
  table.upcoming td.when { width: 1%; white-space: nowrap; color: var(--secondary-text-color); }
  dialog { border: none; border-radius: var(--ha-dialog-border-radius, 24px); padding: 24px;
    max-width: min(90vw, 480px); background: var(--card-background-color, #fff);
    color: var(--primary-text-color); box-shadow: 0 8px 24px rgba(0, 0, 0, 0.3); }
  dialog::backdrop { background: rgba(0, 0, 0, 0.4); }
  dialog h2 { margin: 0 0 12px; font-size: 1.3em; font-weight: 400; }
  dialog label { display: flex; gap: 8px; align-items: center; margin: 8px 0; }
  dialog input[type="text"] { width: 100%; box-sizing: border-box; font: inherit; padding: 8px;
    border: 1px solid var(--divider-color); border-radius: 4px;
    background: var(--card-background-color); color: var(--primary-text-color); }
  dialog .actions { justify-content: flex-end; margin-top: 16px; }
`;

class SmartPlexCard extends HTMLElement {
  static view = "status";

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._offset = 0;
    this._data = undefined;
    this._unsubscribe = undefined;
  }

  static getStubConfig() {
    return {};
  }

  static getConfigElement() {
    return document.createElement("smartplex-card-editor");
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    const pageSize = config.page_size ?? DEFAULT_PAGE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) {
      throw new Error("page_size must be a whole number from 1 to 50");
    }
    const changed = this._config && this._config.page_size !== config.page_size;
    this._config = config;
    if (changed) this._resubscribe();
    this._render();
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first || (this.isConnected && !this._unsubscribe)) this._subscribe();
  }

  get hass() {
    return this._hass;
  }

  getCardSize() {
    return 4;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6 };
  }

  connectedCallback() {
    if (this._hass && !this._unsubscribe) this._subscribe();
    this._render();
  }

  disconnectedCallback() {
    this._unsubscribeNow();
  }

  get _view() {
    return this.constructor.view;
  }

  get _title() {
    return this._view;
  }

  _t(key, vars) {
    return localize(this._hass, key, vars);
  }

  _subscribe() {
    if (!this._hass || !this.isConnected || !this._view) return;
    const message = {
      type: `${DOMAIN}/subscribe_view`,
      view: this._view,
      offset: this._offset,
      limit: this._config?.page_size ?? DEFAULT_PAGE,
    };
    const pending = this._hass.connection
      .subscribeMessage((data) => {
        this._data = data;
        this._render();
      }, message)
      .catch((err) => {
        this._data = { error: err?.message || String(err) };
        this._render();
        return undefined;
      });
    this._unsubscribe = () => pending.then((unsubscribe) => unsubscribe?.()).catch(() => {});
  }

  _unsubscribeNow() {
    this._unsubscribe?.();
    this._unsubscribe = undefined;
  }

  _resubscribe() {
    this._unsubscribeNow();
    this._data = undefined;
    this._subscribe();
  }

  _page(delta) {
    const limit = this._config?.page_size ?? DEFAULT_PAGE;
    this._offset = Math.max(0, this._offset + delta * limit);
    this._resubscribe();
    this._render();
  }

  async _action(action, data, done) {
    try {
      await this._hass.connection.sendMessagePromise({ type: `${DOMAIN}/action`, action, data });
      this._toast(done);
    } catch (err) {
      this._toast(err?.message || String(err));
    }
  }

  _toast(message) {
    this.dispatchEvent(
      new CustomEvent("hass-notification", { detail: { message }, bubbles: true, composed: true }),
    );
  }

  _poster(url, icon) {
    if (url) return `<img class="poster" src="${escapeHtml(url)}" alt="" loading="lazy">`;
    return `<div class="poster" aria-hidden="true"><ha-icon icon="${icon}"></ha-icon></div>`;
  }

  _pager() {
    const data = this._data;
    const limit = this._config?.page_size ?? DEFAULT_PAGE;
    if (!data || !data.total || data.total <= limit) return "";
    const first = this._offset + 1;
    const last = Math.min(this._offset + limit, data.total);
    return `<nav class="pager" aria-label="${escapeHtml(this._t(`view.${this._title}`))}">
      <span>${escapeHtml(this._t("pager.range", { first, last, total: data.total }))}</span>
      <button data-page="-1" ${this._offset === 0 ? "disabled" : ""}
        aria-label="${escapeHtml(this._t("pager.previous"))}">‹</button>
      <button data-page="1" ${last >= data.total ? "disabled" : ""}
        aria-label="${escapeHtml(this._t("pager.next"))}">›</button>
    </nav>`;
  }

  _notConfigured(data) {
    const services = data.not_configured.map((kind) => this._t(`service.${kind}`)).join(", ");
    return `<p class="message">${escapeHtml(this._t("not_configured", { services }))}
      <a href="${escapeHtml(data.config_url)}">${escapeHtml(this._t("add_service"))}</a></p>`;
  }

  _bodyHtml() {
    const data = this._data;
    if (data === undefined) return `<p class="message">${escapeHtml(this._t("loading"))}</p>`;
    if (data.loaded === false) return `<p class="message">${escapeHtml(this._t("not_loaded"))}</p>`;
    if (data.not_configured && this._view !== "status") return this._notConfigured(data);
    if (data.error) {
      return `<p class="message error" role="alert">${escapeHtml(
        this._t("error", { message: data.error }),
      )}</p>`;
    }
    return this._contentHtml(data);
  }

  _render() {
    if (!this.shadowRoot) return;
    const title = this._config?.title ?? this._t(`view.${this._title}`);
    this.shadowRoot.innerHTML = `<style>${STYLES}</style>
      <ha-card>
        ${title ? `<div class="header"><h2>${escapeHtml(title)}</h2></div>` : ""}
        <div class="content" aria-live="polite">${this._bodyHtml()}</div>
      </ha-card>`;
    this.shadowRoot.querySelectorAll("img.poster").forEach((img) =>
      img.addEventListener("error", () => {
        img.replaceWith(Object.assign(document.createElement("div"), { className: "poster" }));
      }),
    );
    this.shadowRoot.querySelectorAll("button[data-page]").forEach((button) =>
      button.addEventListener("click", () => this._page(Number(button.dataset.page))),
    );
    this._bind();
  }

  _bind() {}

  _confirm({ title, text, options = [], reason = false, confirm, danger = true }) {
    return new Promise((resolve) => {
      const dialog = document.createElement("dialog");
      dialog.setAttribute("aria-labelledby", "smartplex-dialog-title");
      dialog.innerHTML = `<h2 id="smartplex-dialog-title">${escapeHtml(title)}</h2>
        <p>${escapeHtml(text)}</p>
        ${options
          .map(
            (option) => `<label><input type="checkbox" name="${option.name}"
              ${option.checked ? "checked" : ""}> ${escapeHtml(option.label)}</label>`,
          )
          .join("")}
        ${
          reason
            ? `<label for="smartplex-reason">${escapeHtml(this._t("requests.reason"))}</label>
               <input type="text" id="smartplex-reason" name="reason" maxlength="1000">`
            : ""
        }
        <div class="actions">
          <button class="cancel">${escapeHtml(this._t("cancel"))}</button>
          <button class="primary ${danger ? "danger" : ""} ok">${escapeHtml(confirm)}</button>
        </div>`;
      const finish = (result) => {
        dialog.close();
        dialog.remove();
        resolve(result);
      };
      dialog.querySelector(".cancel").addEventListener("click", () => finish(null));
      dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        finish(null);
      });
      dialog.querySelector(".ok").addEventListener("click", () => {
        const result = {};
        dialog.querySelectorAll("input[type=checkbox]").forEach((input) => {
          result[input.name] = input.checked;
        });
        const reasonInput = dialog.querySelector("input[name=reason]");
        if (reasonInput && reasonInput.value.trim()) result.reason = reasonInput.value.trim();
        finish(result);
      });
      this.shadowRoot.appendChild(dialog);
      dialog.showModal();
      dialog.querySelector(".cancel").focus();
    });
  }
}

class SmartPlexStatusCard extends SmartPlexCard {
  static view = "status";

  _contentHtml(data) {
    const rows = (data.services || []).map((service) => {
      const problems = service.problems
        .map(
          (problem) =>
            `<span class="secondary error">${escapeHtml(problem.message)}${
              problem.url
                ? ` <a class="fix" href="${escapeHtml(problem.url)}" target="_blank" rel="noreferrer">↗</a>`
                : ""
            }</span>`,
        )
        .join("");
      const disks = service.disks
        .map((disk) =>
          escapeHtml(
            disk.accessible
              ? this._t("status.free", { path: disk.path, free: formatBytes(this._hass, disk.free_bytes) })
              : this._t("status.inaccessible", { path: disk.path }),
          ),
        )
        .map((text) => `<span class="secondary">${text}</span>`)
        .join("");
      const needsFix = ["down", "auth", "unsupported"].includes(service.state);
      return `<li class="item" data-service="${escapeHtml(service.id)}">
        <div class="body">
          <span class="title">${escapeHtml(service.title)}
            <span class="badge ${escapeHtml(service.state)}">${escapeHtml(
              this._t(`state.${service.state}`),
            )}</span></span>
          ${service.version ? `<span class="secondary">${escapeHtml(this._t("status.version", { version: service.version }))}</span>` : ""}
          <span class="secondary">${escapeHtml(
            this._t("status.last_sync", { when: relativeTime(this._hass, service.last_sync) }),
          )}</span>
          ${
            service.failing.length
              ? `<span class="secondary error">${escapeHtml(
                  this._t("status.failing", { kinds: service.failing.join(", ") }),
                )}</span>`
              : ""
          }
          ${problems}${disks}
          ${needsFix ? `<a class="fix" href="${escapeHtml(service.fix_url)}">${escapeHtml(this._t("status.fix"))}</a>` : ""}
        </div>
      </li>`;
    });
    const missing = data.not_configured?.length
      ? `<p class="message">${escapeHtml(
          this._t("status.not_configured", {
            services: data.not_configured.map((kind) => this._t(`service.${kind}`)).join(", "),
          }),
        )} <a href="${escapeHtml(data.config_url)}">${escapeHtml(this._t("add_service"))}</a></p>`
      : "";
    return `<ul class="list">${rows.join("")}</ul>${this._pager()}${missing}`;
  }
}

class SmartPlexDownloadsCard extends SmartPlexCard {
  static view = "downloads";

  _contentHtml(data) {
    const errors = (data.errors || [])
      .map(
        (error) =>
          `<p class="message error" role="alert">${escapeHtml(this._t("downloads.errors", error))}</p>`,
      )
      .join("");
    const items = (data.items || []).map((item, index) => {
      const progress = Math.max(0, Math.min(100, Number(item.progress) || 0));
      return `<li class="item">
        ${this._poster(item.poster, "mdi:download")}
        <div class="body">
          <span class="title">${escapeHtml(item.title)}</span>
          <span class="secondary">${escapeHtml(item.instance)} · ${escapeHtml(item.quality || "")} · ${escapeHtml(item.status || "")}</span>
          <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
            aria-valuenow="${progress.toFixed(0)}" aria-label="${escapeHtml(item.title)}"><div style="width:${progress}%"></div></div>
          <span class="secondary">${escapeHtml(
            this._t("downloads.size_left", {
              left: formatBytes(this._hass, item.size_left_bytes),
              size: formatBytes(this._hass, item.size_bytes),
            }),
          )}${item.time_left ? ` · ${escapeHtml(this._t("downloads.time_left", { time: item.time_left }))}` : ""}</span>
          ${item.error ? `<span class="secondary error">${escapeHtml(item.error)}</span>` : ""}
          <div class="actions">
            <button class="danger" data-remove="${index}"
              aria-label="${escapeHtml(this._t("downloads.remove_label", { title: item.title }))}">${escapeHtml(
                this._t("downloads.remove"),
              )}</button>
          </div>
        </div>
      </li>`;
    });
    const list = items.length
      ? `<ul class="list">${items.join("")}</ul>`
      : `<p class="message">${escapeHtml(this._t("empty.downloads"))}</p>`;
    const upcoming = (data.upcoming || [])
      .map(
        (item) => `<tr><td class="when">${escapeHtml(formatDate(this._hass, item.date))}</td>
          <td>${escapeHtml(item.title)}${item.episode ? ` ${escapeHtml(item.episode)}` : ""}
          ${item.release ? `<span class="secondary">(${escapeHtml(item.release)})</span>` : ""}</td></tr>`,
      )
      .join("");
    return `${errors}${list}${this._pager()}
      <h3>${escapeHtml(this._t("downloads.upcoming"))}</h3>
      ${
        upcoming
          ? `<table class="upcoming"><tbody>${upcoming}</tbody></table>`
          : `<p class="message">${escapeHtml(this._t("empty.upcoming"))}</p>`
      }`;
  }

  _bind() {
    this.shadowRoot.querySelectorAll("button[data-remove]").forEach((button) =>
      button.addEventListener("click", async () => {
        const item = this._data.items[Number(button.dataset.remove)];
        const choice = await this._confirm({
          title: this._t("downloads.remove_title"),
          text: this._t("downloads.remove_text", { title: item.title, instance: item.instance }),
          options: [
            { name: "blocklist", label: this._t("downloads.blocklist"), checked: false },
            { name: "remove_from_client", label: this._t("downloads.remove_from_client"), checked: true },
          ],
          confirm: this._t("downloads.remove"),
        });
        if (!choice) return;
        button.disabled = true;
        await this._action(
          "remove_queue_item",
          { queue_id: item.queue_id, instance: item.instance, ...choice },
          this._t("downloads.removed", { title: item.title }),
        );
      }),
    );
  }
}

class SmartPlexRequestsCard extends SmartPlexCard {
  static view = "requests";

  _label(item) {
    return item.year ? `${item.title} (${item.year})` : item.title || `${item.media_type} ${item.tmdb_id}`;
  }

  _contentHtml(data) {
    const items = (data.items || []).map((item, index) => {
      const title = this._label(item);
      return `<li class="item" data-request="${escapeHtml(item.request_id)}">
        ${this._poster(item.poster, item.media_type === "tv" ? "mdi:television" : "mdi:movie")}
        <div class="body">
          <span class="title">${escapeHtml(title)}${item.is_4k ? ' <span class="badge">4K</span>' : ""}</span>
          <span class="secondary">${escapeHtml(this._t("requests.by", { user: item.requested_by || "?" }))}
            · ${escapeHtml(relativeTime(this._hass, item.requested_at))}</span>
          ${item.seasons?.length ? `<span class="secondary">S${item.seasons.map(escapeHtml).join(", S")}</span>` : ""}
          <div class="actions">
            <button class="primary" data-approve="${index}"
              aria-label="${escapeHtml(this._t("requests.approve_label", { title }))}">${escapeHtml(this._t("requests.approve"))}</button>
            <button class="danger" data-decline="${index}"
              aria-label="${escapeHtml(this._t("requests.decline_label", { title }))}">${escapeHtml(this._t("requests.decline"))}</button>
          </div>
        </div>
      </li>`;
    });
    return items.length
      ? `<ul class="list">${items.join("")}</ul>${this._pager()}`
      : `<p class="message">${escapeHtml(this._t("empty.requests"))}</p>`;
  }

  _bind() {
    this.shadowRoot.querySelectorAll("button[data-approve]").forEach((button) =>
      button.addEventListener("click", async () => {
        const item = this._data.items[Number(button.dataset.approve)];
        button.disabled = true;
        await this._action(
          "approve_request",
          { request_id: item.request_id },
          this._t("requests.approved", { title: this._label(item) }),
        );
      }),
    );
    this.shadowRoot.querySelectorAll("button[data-decline]").forEach((button) =>
      button.addEventListener("click", async () => {
        const item = this._data.items[Number(button.dataset.decline)];
        const title = this._label(item);
        const choice = await this._confirm({
          title: this._t("requests.decline_title"),
          text: this._t("requests.decline_text", { request: `${title} · ${item.requested_by || ""}` }),
          reason: true,
          confirm: this._t("requests.decline"),
        });
        if (!choice) return;
        button.disabled = true;
        await this._action(
          "decline_request",
          { request_id: item.request_id, ...choice },
          this._t("requests.declined", { title }),
        );
      }),
    );
  }
}

class SmartPlexActivityCard extends SmartPlexCard {
  static view = "activity";

  _contentHtml(data) {
    const items = (data.items || []).map((item) => {
      const progress = Math.max(0, Math.min(100, Number(item.progress) || 0));
      const decision = item.transcode_decision ? this._t(`activity.${item.transcode_decision}`) : "";
      return `<li class="item">
        ${this._poster(item.poster, item.media_type === "movie" ? "mdi:movie" : "mdi:television")}
        <div class="body">
          <span class="title">${escapeHtml(item.title)}</span>
          <span class="secondary">${escapeHtml(item.user)} ${escapeHtml(
            item.player ? this._t("activity.on", { player: item.player }) : "",
          )}</span>
          <span class="secondary">${escapeHtml(this._t(`activity.${item.state}`))}${
            decision ? ` · ${escapeHtml(decision)}` : ""
          }${item.quality ? ` · ${escapeHtml(item.quality)}` : ""}</span>
          <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
            aria-valuenow="${progress}" aria-label="${escapeHtml(item.title)}"><div style="width:${progress}%"></div></div>
        </div>
      </li>`;
    });
    return items.length
      ? `<ul class="list">${items.join("")}</ul>${this._pager()}`
      : `<p class="message">${escapeHtml(this._t("empty.activity"))}</p>`;
  }
}

class SmartPlexCareCard extends SmartPlexCard {
  static view = null;

  get _title() {
    return "care";
  }

  constructor() {
    super();
    this._data = { plan: null };
  }

  _bodyHtml() {
    const { plan, result, error, busy } = this._data;
    const form = `<form class="actions plan-form">
        <label>${escapeHtml(this._t("care.target"))}
          <input type="number" name="target_percent" min="1" max="99" required
            value="${escapeHtml(this._target ?? 75)}" style="width: 5em"></label>
        <button type="submit" class="primary" ${busy ? "disabled" : ""}>${escapeHtml(this._t("care.plan"))}</button>
      </form>`;
    const parts = [form];
    if (error) parts.push(`<p class="message error" role="alert">${escapeHtml(error)}</p>`);
    if (result) {
      parts.push(`<p class="message">${escapeHtml(
        this._t("care.done", {
          removed: result.removed.length,
          failed: result.failed.length,
          freed: Object.values(result.freed_gb || {}).reduce((a, b) => a + b, 0).toFixed(1),
        }),
      )}</p>`);
    }
    if (plan) {
      const total = plan.items.reduce((sum, item) => sum + item.size_bytes, 0);
      const items = plan.items.map(
        (item) => `<li class="item">
          ${this._poster(item.poster, item.media_type === "tv" ? "mdi:television" : "mdi:movie")}
          <div class="body">
            <span class="title">${escapeHtml(item.title)}</span>
            <span class="secondary">${escapeHtml(item.instance)} · ${escapeHtml(formatBytes(this._hass, item.size_bytes))}</span>
            <span class="secondary">${item.reasons.map(escapeHtml).join(" · ")}</span>
          </div>
        </li>`,
      );
      parts.push(`<h3>${escapeHtml(
        this._t("care.summary", { count: plan.items.length, size: formatBytes(this._hass, total) }),
      )}</h3>`);
      parts.push(
        items.length
          ? `<ul class="list">${items.join("")}</ul>
             <div class="actions"><button class="danger confirm-plan" ${busy ? "disabled" : ""}>${escapeHtml(
               this._t("care.confirm"),
             )}</button></div>`
          : `<p class="message">${escapeHtml(this._t("care.empty"))}</p>`,
      );
    }
    return parts.join("");
  }

  _bind() {
    const form = this.shadowRoot.querySelector("form.plan-form");
    form?.addEventListener("submit", async (event) => {
      event.preventDefault();
      this._target = Number(form.target_percent.value);
      await this._run("plan_cleanup", { target_percent: this._target }, (plan) => ({ plan }));
    });
    this.shadowRoot.querySelector("button.confirm-plan")?.addEventListener("click", async () => {
      const plan = this._data.plan;
      const choice = await this._confirm({
        title: this._t("care.confirm_title"),
        text: this._t("care.confirm_text", { count: plan.items.length }),
        options: [{ name: "delete_files", label: this._t("care.delete_files"), checked: true }],
        confirm: this._t("care.confirm"),
      });
      if (!choice) return;
      await this._run(
        "execute_cleanup",
        { plan_id: plan.plan_id, confirm: true, ...choice },
        (result) => ({ plan: null, result }),
      );
    });
  }

  async _run(action, data, show) {
    this._data = { ...this._data, busy: true, error: null };
    this._render();
    try {
      const result = await this._hass.connection.sendMessagePromise({
        type: `${DOMAIN}/action`,
        action,
        data,
      });
      this._data = { ...show(result), busy: false };
    } catch (err) {
      this._data = { ...this._data, busy: false, error: err?.message || String(err) };
    }
    this._render();
  }
}

class SmartPlexCardEditor extends HTMLElement {
  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    if (this._form) this._form.hass = hass;
  }

  _changed(config) {
    this._config = config;
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }

  _render() {
    if (customElements.get("ha-form")) {
      if (!this._form) {
        this._form = document.createElement("ha-form");
        this._form.schema = [
          { name: "title", selector: { text: {} } },
          { name: "page_size", selector: { number: { min: 1, max: 50, mode: "box" } } },
        ];
        this._form.computeLabel = (schema) => localize(this._hass, `editor.${schema.name}`);
        this._form.addEventListener("value-changed", (event) => {
          const config = { ...this._config, ...event.detail.value };
          for (const key of ["title", "page_size"]) {
            if (config[key] === "" || config[key] === undefined) delete config[key];
          }
          this._changed(config);
        });
        this.appendChild(this._form);
      }
      this._form.hass = this._hass;
      this._form.data = this._config;
      return;
    }
    // Outside Home Assistant's editor (ha-form not loaded yet): plain labelled inputs.
    this.innerHTML = `<label>${escapeHtml(localize(this._hass, "editor.title"))}
        <input name="title" value="${escapeHtml(this._config.title ?? "")}"></label>
      <label>${escapeHtml(localize(this._hass, "editor.page_size"))}
        <input name="page_size" type="number" min="1" max="50" value="${escapeHtml(this._config.page_size ?? "")}"></label>`;
    this.querySelectorAll("input").forEach((input) =>
      input.addEventListener("change", () => {
        const config = { ...this._config };
        const value = input.type === "number" ? Number(input.value) : input.value;
        if (input.value === "") delete config[input.name];
        else config[input.name] = value;
        this._changed(config);
      }),
    );
  }
}

class SmartPlexDashboardStrategy extends HTMLElement {
  static async generate(config, hass) {
    const views = (config.views || VIEWS).filter((view) => VIEWS.includes(view));
    return {
      title: localize(hass, "dashboard.title"),
      views: views.map((view) => ({
        title: localize(hass, `view.${view}`),
        path: view,
        icon: VIEW_ICONS[view],
        type: "panel",
        cards: [{ type: `custom:smartplex-${view}-card`, title: "" }],
      })),
    };
  }
}

const CARDS = {
  status: SmartPlexStatusCard,
  downloads: SmartPlexDownloadsCard,
  requests: SmartPlexRequestsCard,
  activity: SmartPlexActivityCard,
  care: SmartPlexCareCard,
};

function define(name, element) {
  if (!customElements.get(name)) customElements.define(name, element);
}

define("smartplex-card-editor", SmartPlexCardEditor);
define("ll-strategy-dashboard-smartplex", SmartPlexDashboardStrategy);
window.customCards = window.customCards || [];
for (const [view, element] of Object.entries(CARDS)) {
  const type = `smartplex-${view}-card`;
  define(type, element);
  if (!window.customCards.some((card) => card.type === type)) {
    window.customCards.push({
      type,
      name: localize(undefined, `card.${view}`),
      description: localize(undefined, `card.${view}.description`),
      preview: true,
    });
  }
}
window.customStrategies = window.customStrategies || [];
if (!window.customStrategies.some((strategy) => strategy.type === DOMAIN)) {
  window.customStrategies.push({
    type: DOMAIN,
    strategyType: "dashboard",
    name: "SmartPlex",
    description: "Status, downloads, requests and activity of your media stack.",
  });
}
