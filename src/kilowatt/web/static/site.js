// The site page: connector badges, counts and "in use" follow the live events (/live);
// forms answered 422 (an error beside a field) are swapped in like any other answer.
"use strict";

(function () {
  const data = Kilowatt.data("site-data");
  if (!data) return;
  const inUse = new Set(data.in_use);
  const order = data.statuses.concat(["Offline"]);
  const connectors = new Map();
  for (const item of data.connectors) {
    connectors.set(keyOf(item.station, item.evse_id, item.connector_id), item);
  }

  function keyOf(station, evse, connector) {
    return station + "/" + evse + "/" + connector;
  }

  function shown(item) {
    return item.online ? item.status : "Offline";
  }

  function badge(status) {
    const span = document.createElement("span");
    span.className = "badge status-" + String(status || "unknown").toLowerCase();
    span.textContent = status;
    return span;
  }

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
    row.dataset.status = shown(item);
  }

  function recount() {
    let busy = 0;
    const tally = new Map();
    for (const item of connectors.values()) {
      if (item.online && inUse.has(item.status)) busy += 1;
      const status = shown(item);
      tally.set(status, (tally.get(status) || 0) + 1);
    }
    const figure = document.getElementById("figure-in-use");
    if (figure) figure.textContent = Kilowatt.formatNumber(busy);
    const list = document.getElementById("status-counts");
    if (!list || tally.size === 0) return;
    const items = [];
    const statuses = order.filter((s) => tally.has(s));
    for (const status of tally.keys()) if (!statuses.includes(status)) statuses.push(status);
    for (const status of statuses) {
      const li = document.createElement("li");
      li.dataset.status = status;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = Kilowatt.formatNumber(tally.get(status));
      li.append(badge(status), " ", count);
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  Kilowatt.on("connector.status", (event) => {
    const item = connectors.get(keyOf(event.station, event.evse_id, event.connector_id));
    if (!item) return;
    item.status = event.status;
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

  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
