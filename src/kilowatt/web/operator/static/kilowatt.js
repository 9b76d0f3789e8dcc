// Kilowatt dashboard: what every page shares. No inline scripts (the Content-Security-Policy
// forbids them); a page's own script reads its data from data-* attributes or a
// <script type="application/json"> block.
"use strict";

window.Kilowatt = (function () {
  let source = null;
  const listeners = {};

  // Live events of the stations the operator may see, from /live (server-sent events).
  // on("connector.status", payload => ...) — one stream per page, shared by every listener.
  function on(topic, listener) {
    (listeners[topic] = listeners[topic] || []).push(listener);
    connect();
    if (source && !source.kwTopics.has(topic)) {
      source.addEventListener(topic, dispatch);
      source.kwTopics.add(topic);
    }
  }

  function dispatch(event) {
    let payload;
    try {
      payload = JSON.parse(event.data);
    } catch (_) {
      return;
    }
    for (const listener of listeners[event.type] || []) {
      try {
        listener(payload);
      } catch (error) {
        console.warn("live event listener failed", event.type, error);
      }
    }
  }

  function connect() {
    if (source || typeof EventSource === "undefined") return;
    source = new EventSource("/live");
    source.kwTopics = new Set();
    // "subscribed" comes once the server listens for this page: no event is missed after it.
    source.addEventListener("subscribed", () => {
      document.body.classList.remove("offline");
      document.body.dataset.live = "on";
    });
    source.addEventListener("error", () => {
      document.body.classList.add("offline");
      document.body.dataset.live = "off";
    });
    window.addEventListener("pagehide", () => source && source.close());
  }

  // JSON a page put in <script type="application/json" id="...">.
  function data(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // A connector state as a badge, as the templates' ui.state draws it: its word from the
  // page's "state-words" block; a state the block does not know is "unknown".
  function stateBadge(state) {
    const words = data("state-words") || {};
    const known = Object.prototype.hasOwnProperty.call(words, state) ? state : "unknown";
    const badge = document.createElement("span");
    badge.className = "badge status-" + known;
    badge.dataset.state = known;
    badge.textContent = words[known] || known;
    return badge;
  }

  // A form answered 422 (its error beside a field) is swapped in like any other answer.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // On a phone a table's rows stack (kilowatt.css): each cell carries its column's heading
  // as data-label, for the page's tables and those htmx swaps in later.
  function labelCells(root) {
    for (const table of root.querySelectorAll(".table-wrap table")) {
      const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
      for (const row of table.querySelectorAll("tbody tr")) {
        let column = 0;
        for (const cell of row.children) {
          if (!cell.hasAttribute("data-label") && headings[column]) {
            cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan || 1;
        }
      }
    }
  }
  labelCells(document);
  document.body.addEventListener("htmx:afterSettle", () => labelCells(document));

  function formatNumber(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: digits || 0,
      maximumFractionDigits: digits || 0,
    });
  }

  return { on, data, stateBadge, formatNumber };
})();
