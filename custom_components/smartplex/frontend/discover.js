// The discover card: recommendations per person with posters and reasons, to add or dismiss.
import { escapeHtml, SmartPlexCard } from "./card.js";

export class SmartPlexDiscoverCard extends SmartPlexCard {
  static view = "discover";

  static styles = `
    .filters { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
    .filters select { font: inherit; padding: 4px 8px; border-radius: 4px; border: 1px solid var(--divider-color);
      background: var(--card-background-color); color: var(--primary-text-color); }
    .overview { display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
  `;

  constructor() {
    super();
    this._user = "";
    this._mediaType = "";
    // Titles added or dismissed here: gone from the list before the next recommendations come.
    this._done = new Set();
  }

  _filters() {
    return {
      ...(this._user ? { user: this._user } : {}),
      ...(this._mediaType ? { media_type: this._mediaType } : {}),
    };
  }

  _select(name, label, options, value) {
    return `<label>${escapeHtml(label)}
      <select name="${name}">${options
        .map(
          ([key, text]) =>
            `<option value="${escapeHtml(key)}" ${key === value ? "selected" : ""}>${escapeHtml(text)}</option>`,
        )
        .join("")}</select></label>`;
  }

  _key(item) {
    return `${item.media_type}:${item.tmdb_id}`;
  }

  _contentHtml(data) {
    const people = [["", this._t("discover.everyone")], ...(data.people || []).map((name) => [name, name])];
    const types = [
      ["", this._t("discover.all")],
      ["movie", this._t("discover.movies")],
      ["tv", this._t("discover.series")],
    ];
    const filters = `<div class="filters">
      ${this._select("user", this._t("discover.for"), people, this._user)}
      ${this._select("media_type", this._t("discover.type"), types, this._mediaType)}
    </div>`;
    const shown = (data.items || []).filter((item) => !this._done.has(this._key(item)));
    const items = shown.map((item) => {
      const index = data.items.indexOf(item);
      const details = [
        item.media_type === "tv" ? this._t("discover.series_one") : this._t("discover.movie_one"),
        ...(item.genres || []).slice(0, 3),
        item.vote_average ? `★ ${item.vote_average.toFixed(1)}` : "",
      ].filter(Boolean);
      return `<li class="item" data-title="${escapeHtml(this._key(item))}">
        ${this._poster(item.poster, item.media_type === "tv" ? "mdi:television" : "mdi:movie")}
        <div class="body">
          <span class="title">${escapeHtml(item.label)}</span>
          <span class="secondary">${escapeHtml(details.join(" · "))}</span>
          <span class="secondary reason">${escapeHtml(item.reason)}</span>
          ${item.overview ? `<span class="secondary overview">${escapeHtml(item.overview)}</span>` : ""}
          <div class="actions">
            <button class="primary" data-add="${index}"
              aria-label="${escapeHtml(this._t("discover.add_label", { title: item.label }))}">${escapeHtml(this._t("discover.add"))}</button>
            <button data-dismiss="${index}"
              aria-label="${escapeHtml(this._t("discover.dismiss_label", { title: item.label }))}">${escapeHtml(this._t("discover.dismiss"))}</button>
          </div>
        </div>
      </li>`;
    });
    const coldStart = data.cold_start ? `<p class="message">${escapeHtml(this._t("discover.cold_start"))}</p>` : "";
    const list = items.length
      ? `<ul class="list">${items.join("")}</ul>${this._pager()}`
      : `<p class="message">${escapeHtml(this._t("empty.discover"))}</p>`;
    return `${filters}${coldStart}${list}`;
  }

  _bind() {
    this.shadowRoot.querySelectorAll(".filters select").forEach((select) =>
      select.addEventListener("change", () => {
        if (select.name === "user") this._user = select.value;
        else this._mediaType = select.value;
        this._offset = 0;
        this._resubscribe();
        this._render();
      }),
    );
    const act = (attribute, run) =>
      this.shadowRoot.querySelectorAll(`button[data-${attribute}]`).forEach((button) =>
        button.addEventListener("click", async () => {
          const item = this._data.items[Number(button.dataset[attribute])];
          button.disabled = true;
          if (await run(item)) {
            this._done.add(this._key(item));
            this._render();
          } else {
            button.disabled = false;
          }
        }),
      );
    act("add", (item) =>
      this._action(
        item.media_type === "tv" ? "add_series" : "add_movie",
        { tmdb_id: item.tmdb_id },
        this._t("discover.added", { title: item.label }),
      ),
    );
    act("dismiss", (item) =>
      this._action(
        "dismiss_recommendation",
        { media_type: item.media_type, tmdb_id: item.tmdb_id, ...(this._user ? { user: this._user } : {}) },
        this._t("discover.dismissed", { title: item.label }),
      ),
    );
  }
}
