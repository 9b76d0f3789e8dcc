// The site page: connector badges, counts and "in use" follow the live events (/live).
"use strict";

(function () {
  const data = Kilowatt.data("site-data");
  if (!data) return;
  const words = Kilowatt.data("state-words") || {};
  const inUse = new Set(data.in_use);
  const order = data.states;
  const connectors = new Map();
  for (const item of data.connectors) {
    connectors.set(keyOf(item.station, item.evse_id, item.connector_id), item);
  }

  function keyOf(station, evse, connector) {
    return station + "/" + evse + "/" + connector;
  }

  // What the badge says: the connector's state, offline when its station is not connected.
  function shown(item) {
    if (!item.online) return "offline";
    return Object.prototype.hasOwnProperty.call(words, item.state) ? item.state : "unknown";
  }

  const badge = Kilowatt.stateBadge;

  function rowOf(item) {
    const selector =
      'tr[data-station="' + CSS.escape(item.station) + '"][data-evse="' + item.evse_id +
      '"][data-connector="' + item.connector_id + '"]';
    return document.querySelector("#connectors " + selector);
  }

  function paintRow(item) {
    const row = rowOf(item);
    if (!row) return;
    const cell = row.querySelector(".live-status");
    if (!cell) return;
    cell.replaceChildren(badge(shown(item)));
    row.dataset.state = shown(item);
  }

  function recount() {
    let busy = 0;
    const tally = new Map();
    for (const item of connectors.values()) {
      const state = shown(item);
      if (inUse.has(state)) busy += 1;
      tally.set(state, (tally.get(state) || 0) + 1);
    }
    const figure = document.getElementById("figure-in-use");
    if (figure) figure.textContent = Kilowatt.formatNumber(busy);
    const list = document.getElementById("status-counts");
    if (!list || tally.size === 0) return;
    const items = [];
    for (const state of order.filter((s) => tally.has(s))) {
      const li = document.createElement("li");
      li.dataset.state = state;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = Kilowatt.formatNumber(tally.get(state));
      li.append(badge(state), " ", count);
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  Kilowatt.on("connector.status", (event) => {
    const item = connectors.get(keyOf(event.station, event.evse_id, event.connector_id));
    if (!item || !event.state) return;
    item.state = event.state;
    item.online = true;
    paintRow(item);
    recount();
  });

  Kilowatt.on("station.online", (event) => {
    let changed = false;
    for (const item of connectors.values()) {
      if (item.station === event.station && item.online !== event.online) {
        item.online = event.online;
        paintRow(item);
        changed = true;
      }
    }
    if (changed) recount();
  });

  Kilowatt.on("transaction.started", (event) => {
    if (!connectors.has(keyOf(event.station, event.evse_id, event.connector_id))) return;
    const figure = document.getElementById("figure-sessions");
    if (!figure) return;
    const now = Number(figure.dataset.count || figure.textContent.replace(/\D/g, "")) + 1;
    figure.dataset.count = String(now);
    figure.textContent = Kilowatt.formatNumber(now);
  });

  // After a swap (filter, power limit) the rows come from the server; keep them in step with
  // what the live events said since the page opened.
  document.body.addEventListener("htmx:afterSwap", () => {
    for (const item of connectors.values()) paintRow(item);
  });
})();
