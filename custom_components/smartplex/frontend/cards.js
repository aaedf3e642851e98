// The live cards: status, downloads, requests and activity.
import { escapeHtml, formatBytes, formatDate, relativeTime, SmartPlexCard } from "./card.js";
import { auditItem } from "./reports.js";

export class SmartPlexStatusCard extends SmartPlexCard {
  static view = "status";

  static styles = `
    .disk { position: relative; }
    .disk .progress > div.pressure { background: var(--error-color); }
    .disk .threshold { position: absolute; top: -2px; width: 2px; height: 10px;
      background: var(--primary-text-color); }
  `;

  // A root folder: free space, and how full its disk is against the pressure threshold.
  _disk(disk, threshold) {
    if (!disk.accessible) {
      return `<span class="secondary error">${escapeHtml(this._t("status.inaccessible", { path: disk.path }))}</span>`;
    }
    const free = this._t("status.free", { path: disk.path, free: formatBytes(this._hass, disk.free_bytes) });
    if (disk.used_percent === null || disk.used_percent === undefined) {
      return `<span class="secondary">${escapeHtml(free)}</span>`;
    }
    const used = Math.max(0, Math.min(100, disk.used_percent));
    const label = this._t("status.used", { used: Math.round(used), threshold: Math.round(threshold) });
    return `<span class="secondary">${escapeHtml(free)} · ${escapeHtml(label)}</span>
      <div class="disk"><div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"
        aria-valuenow="${used.toFixed(0)}" aria-label="${escapeHtml(`${disk.path}: ${label}`)}">
        <div class="${used >= threshold ? "pressure" : ""}" style="width:${used}%"></div></div>
        <div class="threshold" style="left:${threshold}%" aria-hidden="true"></div></div>`;
  }

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
      const disks = service.disks.map((disk) => this._disk(disk, data.disk_threshold)).join("");
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

export class SmartPlexDownloadsCard extends SmartPlexCard {
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

export class SmartPlexRequestsCard extends SmartPlexCard {
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
          ${this._triage(item.triage)}
          <div class="actions">
            <button class="primary" data-approve="${index}"
              aria-label="${escapeHtml(this._t("requests.approve_label", { title }))}">${escapeHtml(this._t("requests.approve"))}</button>
            <button class="danger" data-decline="${index}"
              aria-label="${escapeHtml(this._t("requests.decline_label", { title }))}">${escapeHtml(this._t("requests.decline"))}</button>
          </div>
        </div>
      </li>`;
    });
    const triageError = data.triage_error
      ? `<p class="message error" role="alert">${escapeHtml(this._t("requests.triage_error", { message: data.triage_error }))}</p>`
      : "";
    const list = items.length
      ? `<ul class="list">${items.join("")}</ul>${this._pager()}`
      : `<p class="message">${escapeHtml(this._t("empty.requests"))}</p>`;
    const recent = (data.recent || []).length
      ? `<h3>${escapeHtml(this._t("requests.recent"))}</h3>
         <ul class="list recent">${data.recent.map((row) => auditItem(this._hass, row)).join("")}</ul>`
      : "";
    return `${triageError}${list}${recent}`;
  }

  _triage(triage) {
    if (!triage) return "";
    const alternatives = triage.alternatives.length
      ? `<span class="secondary">${escapeHtml(this._t("requests.alternatives", { titles: triage.alternatives.join(", ") }))}</span>`
      : "";
    return `<span class="secondary triage"><span class="badge ${escapeHtml(triage.action)}">${escapeHtml(
      this._t(`triage.${triage.action}`),
    )}</span> ${escapeHtml(triage.reason)}</span>
      ${triage.ai_reason ? `<span class="secondary">${escapeHtml(triage.ai_reason)}</span>` : ""}${alternatives}`;
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

export class SmartPlexActivityCard extends SmartPlexCard {
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
