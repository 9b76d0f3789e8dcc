// Stations pages: live online/offline badges and connector states.
"use strict";

(function () {
  function each(selector, attribute, value, apply) {
    for (const element of document.querySelectorAll(selector)) {
      if (element.getAttribute(attribute) === value) apply(element);
    }
  }

  // Connector badges: the state the station last reported, offline while it is not
  // connected (words from the page's "state-words" block).
  function paintConnector(holder, online) {
    const state = online ? holder.getAttribute("data-connector-state") || "unknown" : "offline";
    holder.replaceChildren(Kilowatt.stateBadge(state));
  }

  if (document.querySelector("[data-online-station]")) {
    Kilowatt.on("station.online", function (event) {
      each("[data-online-station]", "data-online-station", event.station, function (badge) {
        badge.className = "badge status-" + (event.online ? "online" : "offline");
        badge.textContent = event.online
          ? badge.getAttribute("data-online-text")
          : badge.getAttribute("data-offline-text");
      });
    });
  }

  if (document.querySelector("[data-connector]")) {
    Kilowatt.on("connector.status", function (event) {
      if (!event.state) return;
      const key = event.station + "|" + event.evse_id + "|" + event.connector_id;
      each("[data-connector]", "data-connector", key, function (holder) {
        holder.setAttribute("data-connector-state", event.state);
        paintConnector(holder, true);
      });
    });
    Kilowatt.on("station.online", function (event) {
      for (const holder of document.querySelectorAll("[data-connector]")) {
        if (holder.getAttribute("data-connector").startsWith(event.station + "|")) {
          paintConnector(holder, event.online);
        }
      }
    });
  }
})();
