// SmartPlex dashboard: cards, their editors and the "SmartPlex" dashboard strategy.
// Plain custom elements (no build step); data comes live from the SmartPlex websocket API.
import { DOMAIN, SmartPlexCardEditor } from "./card.js";
import {
  SmartPlexActivityCard,
  SmartPlexDownloadsCard,
  SmartPlexRequestsCard,
  SmartPlexStatusCard,
} from "./cards.js";
import { SmartPlexCareCard } from "./care.js";
import { SmartPlexDiscoverCard } from "./discover.js";
import { SmartPlexHistoryCard, SmartPlexStatisticsCard } from "./reports.js";
import { localize } from "./strings.js";

const VIEWS = ["status", "downloads", "requests", "discover", "activity", "statistics", "care", "history"];
const VIEW_ICONS = {
  status: "mdi:heart-pulse",
  downloads: "mdi:download",
  requests: "mdi:account-question",
  discover: "mdi:compass",
  activity: "mdi:play-circle",
  statistics: "mdi:chart-bar",
  care: "mdi:broom",
  history: "mdi:history",
};

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
  discover: SmartPlexDiscoverCard,
  activity: SmartPlexActivityCard,
  statistics: SmartPlexStatisticsCard,
  care: SmartPlexCareCard,
  history: SmartPlexHistoryCard,
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
    description: "Status, downloads, requests, discover, activity, statistics, care and history of your media stack.",
  });
}
