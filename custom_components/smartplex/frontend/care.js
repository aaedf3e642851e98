// The library care card: a cleanup plan to review and confirm.
import { DOMAIN, escapeHtml, formatBytes, SmartPlexCard } from "./card.js";

export class SmartPlexCareCard extends SmartPlexCard {
  static view = null;

  get _title() {
    return "care";
  }

  static styles = `
    li.item input.tick { flex: none; width: 20px; height: 20px; margin: 4px 0; accent-color: var(--error-color); }
    li.item.unticked .poster, li.item.unticked .body { opacity: 0.5; }
  `;

  constructor() {
    super();
    this._data = { plan: null };
    // Keys of the plan's titles the user unticked: they stay in the library.
    this._leftOut = new Set();
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
          kept: (result.left_out || []).length,
          freed: Object.values(result.freed_gb || {}).reduce((a, b) => a + b, 0).toFixed(1),
        }),
      )}</p>`);
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

  _bind() {
    const form = this.shadowRoot.querySelector("form.plan-form");
    form?.addEventListener("submit", async (event) => {
      event.preventDefault();
      this._target = Number(form.target_percent.value);
      this._leftOut = new Set();
      await this._run("plan_cleanup", { target_percent: this._target }, (plan) => ({ plan }));
    });
    this.shadowRoot.querySelectorAll("input.tick").forEach((input) =>
      input.addEventListener("change", () => {
        const { key } = this._data.plan.items[Number(input.dataset.index)];
        if (input.checked) this._leftOut.delete(key);
        else this._leftOut.add(key);
        this._render();
        this.shadowRoot.querySelector(`input.tick[data-index="${input.dataset.index}"]`)?.focus();
      }),
    );
    this.shadowRoot.querySelector("button.confirm-plan")?.addEventListener("click", async () => {
      const plan = this._data.plan;
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
