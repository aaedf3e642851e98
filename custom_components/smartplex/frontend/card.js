// The base of every SmartPlex card (live data, paging, confirmations), its editor and helpers.
import { localize } from "./strings.js";

export const DOMAIN = "smartplex";
export const DEFAULT_PAGE = 20;

export const escapeHtml = (value) =>
  String(value ?? "").replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char],
  );

export function formatBytes(hass, bytes) {
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

export function relativeTime(hass, iso) {
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

export function formatDate(hass, iso) {
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
  .badge.approve { background: var(--success-color, #43a047); }
  .badge.hold { background: var(--warning-color, #ffa600); }
  .badge.decline { background: var(--error-color, #db4437); }
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

export class SmartPlexCard extends HTMLElement {
  static view = "status";

  // A card's own styles, after the shared ones.
  static styles = "";

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

  // What the card editor offers (ha-form selectors); a card adds its own options.
  static editorSchema = [
    { name: "title", selector: { text: {} } },
    { name: "page_size", selector: { number: { min: 1, max: 50, mode: "box" } } },
  ];

  static getConfigElement() {
    const editor = document.createElement("smartplex-card-editor");
    editor.schema = this.editorSchema;
    return editor;
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
      ...this._filters(),
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

  // What a view is asked for besides its page (a statistics period, a person).
  _filters() {
    return {};
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
      return true;
    } catch (err) {
      this._toast(err?.message || String(err));
      return false;
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
    // A live update waits while a confirmation is open: drawing would remove the dialog.
    if (this._dialogOpen) {
      this._renderPending = true;
      return;
    }
    const title = this._config?.title ?? this._t(`view.${this._title}`);
    this.shadowRoot.innerHTML = `<style>${STYLES}${this.constructor.styles}</style>
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
        this._dialogOpen = false;
        if (this._renderPending) {
          this._renderPending = false;
          this._render();
        }
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
      this._dialogOpen = true;
      dialog.showModal();
      dialog.querySelector(".cancel").focus();
    });
  }
}

export class SmartPlexCardEditor extends HTMLElement {
  constructor() {
    super();
    this.schema = SmartPlexCard.editorSchema;
  }

  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    if (this._form) this._form.hass = hass;
  }

  _changed(values) {
    const config = { ...this._config, ...values };
    for (const { name } of this.schema) {
      if (config[name] === "" || config[name] === undefined) delete config[name];
    }
    this._config = config;
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }

  _label(name) {
    return localize(this._hass, `editor.${name}`);
  }

  _render() {
    if (customElements.get("ha-form")) {
      if (!this._form) {
        this._form = document.createElement("ha-form");
        this._form.schema = this.schema;
        this._form.computeLabel = (field) => this._label(field.name);
        this._form.addEventListener("value-changed", (event) => this._changed(event.detail.value));
        this.appendChild(this._form);
      }
      this._form.hass = this._hass;
      this._form.data = this._config;
      return;
    }
    // Outside Home Assistant's editor (ha-form not loaded yet): plain labelled controls.
    this.innerHTML = this.schema
      .map(({ name, selector }) => {
        const value = this._config[name] ?? "";
        if (selector.select) {
          const options = [{ value: "", label: "" }, ...selector.select.options]
            .map(
              (option) => `<option value="${escapeHtml(option.value)}"
                ${option.value === value ? "selected" : ""}>${escapeHtml(option.label)}</option>`,
            )
            .join("");
          return `<label>${escapeHtml(this._label(name))} <select name="${name}">${options}</select></label>`;
        }
        const number = selector.number;
        return `<label>${escapeHtml(this._label(name))}
          <input name="${name}" type="${number ? "number" : "text"}"
            ${number ? `min="${number.min}" max="${number.max}"` : ""} value="${escapeHtml(value)}"></label>`;
      })
      .join("");
    this.querySelectorAll("input, select").forEach((control) =>
      control.addEventListener("change", () => {
        const value = control.type === "number" && control.value !== "" ? Number(control.value) : control.value;
        this._changed({ [control.name]: value });
      }),
    );
  }
}
