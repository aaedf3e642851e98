// The library care card: a cleanup plan to review and confirm, titles leaving soon, upgrades.
import { DOMAIN, escapeHtml, formatBytes, formatDate, SmartPlexCard } from "./card.js";

const GB = 1e9;

export class SmartPlexCareCard extends SmartPlexCard {
  static view = "care";

  static styles = `
    li.item input.tick { flex: none; width: 20px; height: 20px; margin: 4px 0; accent-color: var(--error-color); }
    li.item.unticked .poster, li.item.unticked .body { opacity: 0.5; }
  `;

  constructor() {
    super();
    // The plan being reviewed (or the result of executing it); the view's lists are _data.
    this._plan = { plan: null };
    // Keys of the plan's titles the user unticked: they stay in the library.
    this._leftOut = new Set();
  }

  _bodyHtml() {
    const data = this._data;
    if (data?.loaded === false) return `<p class="message">${escapeHtml(this._t("not_loaded"))}</p>`;
    if (data?.not_configured) return this._notConfigured(data);
    const lists =
      data === undefined
        ? `<p class="message">${escapeHtml(this._t("loading"))}</p>`
        : `${this._leavingHtml(data)}${this._suggestionsHtml(data)}`;
    return `${this._planHtml()}${lists}`;
  }

  _planHtml() {
    const { plan, result, error, busy } = this._plan;
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
          kept: (result.left_out || []).length,
          freed: Object.values(result.freed_gb || {}).reduce((a, b) => a + b, 0).toFixed(1),
        }),
      )}</p>`);
      const titles = (rows, text) => rows.map(text).join(", ");
      if (result.failed.length) {
        parts.push(`<p class="message error" role="alert">${escapeHtml(
          this._t("care.failed", { titles: titles(result.failed, (row) => `${row.title}: ${row.error}`) }),
        )}</p>`);
      }
      for (const key of ["skipped", "not_attempted"]) {
        if (!result[key]?.length) continue;
        parts.push(`<p class="message">${escapeHtml(
          this._t(`care.${key}`, {
            titles: titles(result[key], (row) => (row.reason ? `${row.title} (${row.reason})` : row.title)),
          }),
        )}</p>`);
      }
    }
    if (plan) {
      const kept = plan.items.filter((item) => !this._leftOut.has(item.key));
      const total = kept.reduce((sum, item) => sum + item.size_bytes, 0);
      const items = plan.items.map((item, index) => {
        const ticked = !this._leftOut.has(item.key);
        return `<li class="item ${ticked ? "" : "unticked"}" data-key="${escapeHtml(item.key)}">
          <input type="checkbox" class="tick" data-index="${index}" ${ticked ? "checked" : ""}
            ${busy ? "disabled" : ""} aria-label="${escapeHtml(this._t("care.tick_label", { title: item.title }))}">
          ${this._poster(item.poster, item.media_type === "tv" ? "mdi:television" : "mdi:movie")}
          <div class="body">
            <span class="title">${escapeHtml(item.title)}</span>
            <span class="secondary">${escapeHtml(item.instance)} · ${escapeHtml(formatBytes(this._hass, item.size_bytes))}</span>
            <span class="secondary">${item.reasons.map(escapeHtml).join(" · ")}</span>
          </div>
        </li>`;
      });
      parts.push(`<h3>${escapeHtml(
        this._t("care.summary", { count: kept.length, size: formatBytes(this._hass, total) }),
      )}</h3>`);
      parts.push(
        items.length
          ? `<p class="secondary">${escapeHtml(this._t("care.untick_hint"))}</p>
             <ul class="list">${items.join("")}</ul>
             <div class="actions"><button class="danger confirm-plan" ${busy || !kept.length ? "disabled" : ""}>${escapeHtml(
               this._t("care.confirm"),
             )}</button></div>`
          : `<p class="message">${escapeHtml(this._t("care.empty"))}</p>`,
      );
    }
    return parts.join("");
  }

  _item(item, details, className) {
    return `<li class="item ${className}">
      ${this._poster(item.poster, item.media_type === "tv" ? "mdi:television" : "mdi:movie")}
      <div class="body">
        <span class="title">${escapeHtml(item.title)}</span>
        ${details.map((text) => `<span class="secondary">${escapeHtml(text)}</span>`).join("")}
      </div>
    </li>`;
  }

  _section(heading, error, items, empty) {
    const body = error
      ? `<p class="message error" role="alert">${escapeHtml(this._t("error", { message: error }))}</p>`
      : items.length
        ? `<ul class="list">${items.join("")}</ul>`
        : `<p class="message">${escapeHtml(empty)}</p>`;
    return `<h3>${escapeHtml(heading)}</h3>${body}`;
  }

  _leavingHtml(data) {
    const items = data.leaving_soon.map((item) =>
      this._item(
        item,
        [
          `${item.instance} · ${formatBytes(this._hass, item.size_bytes)}`,
          this._t("care.leaves", { date: formatDate(this._hass, item.leaves) }),
        ],
        "leaving",
      ),
    );
    const more =
      data.leaving_total > items.length
        ? `<p class="secondary">${escapeHtml(this._t("care.more", { count: data.leaving_total - items.length }))}</p>`
        : "";
    return `${this._section(this._t("care.leaving_soon"), data.leaving_error, items, this._t("care.no_leaving"))}${more}`;
  }

  _suggestionsHtml(data) {
    const size = (gb) => formatBytes(this._hass, Math.abs(gb) * GB);
    const upgrades = data.upgrades.map((item) =>
      this._item(
        item,
        [
          `${item.instance} · ${this._t("care.upgrade_size", { size: size(item.size_gb), change: size(item.size_change_gb) })}`,
          item.reason,
          ...(item.fits ? [] : [this._t("care.no_room")]),
        ],
        "upgrade",
      ),
    );
    const downgrades = data.downgrades.map((item) =>
      this._item(
        item,
        [`${item.instance} · ${this._t("care.downgrade_size", { size: size(item.size_gb), change: size(item.size_change_gb) })}`, item.reason],
        "downgrade",
      ),
    );
    return `${this._section(this._t("care.upgrades"), data.suggest_error, upgrades, this._t("care.no_upgrades"))}
      ${data.suggest_error ? "" : this._section(this._t("care.downgrades"), null, downgrades, this._t("care.no_downgrades"))}`;
  }

  _bind() {
    const form = this.shadowRoot.querySelector("form.plan-form");
    form?.target_percent.addEventListener("input", () => {
      this._target = form.target_percent.value;
    });
    form?.addEventListener("submit", async (event) => {
      event.preventDefault();
      this._target = Number(form.target_percent.value);
      this._leftOut = new Set();
      await this._run("plan_cleanup", { target_percent: this._target }, (plan) => ({ plan }));
    });
    this.shadowRoot.querySelectorAll("input.tick").forEach((input) =>
      input.addEventListener("change", () => {
        const { key } = this._plan.plan.items[Number(input.dataset.index)];
        if (input.checked) this._leftOut.delete(key);
        else this._leftOut.add(key);
        this._render();
        this.shadowRoot.querySelector(`input.tick[data-index="${input.dataset.index}"]`)?.focus();
      }),
    );
    this.shadowRoot.querySelector("button.confirm-plan")?.addEventListener("click", async () => {
      const plan = this._plan.plan;
      const leaveOut = plan.items.map((item) => item.key).filter((key) => this._leftOut.has(key));
      const choice = await this._confirm({
        title: this._t("care.confirm_title"),
        text: this._t("care.confirm_text", { count: plan.items.length - leaveOut.length }),
        options: [{ name: "delete_files", label: this._t("care.delete_files"), checked: true }],
        confirm: this._t("care.confirm"),
      });
      if (!choice) return;
      await this._run(
        "execute_cleanup",
        { plan_id: plan.plan_id, confirm: true, ...choice, ...(leaveOut.length ? { leave_out: leaveOut } : {}) },
        (result) => ({ plan: null, result }),
      );
    });
  }

  async _run(action, data, show) {
    this._plan = { ...this._plan, busy: true, error: null };
    this._render();
    try {
      const result = await this._hass.connection.sendMessagePromise({
        type: `${DOMAIN}/action`,
        action,
        data,
      });
      this._plan = { ...show(result), busy: false };
    } catch (err) {
      this._plan = { ...this._plan, busy: false, error: err?.message || String(err) };
    }
    this._render();
  }
}
