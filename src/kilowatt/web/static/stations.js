// Stations pages: live online/offline badges and connector statuses.
"use strict";

(function () {
  function each(selector, attribute, value, apply) {
    for (const element of document.querySelectorAll(selector)) {
      if (element.getAttribute(attribute) === value) apply(element);
    }
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
      const key = event.station + "|" + event.evse_id + "|" + event.connector_id;
      each("[data-connector]", "data-connector", key, function (holder) {
        const badge = document.createElement("span");
        const status = String(event.status || "Unknown");
        badge.className = "badge status-" + status.toLowerCase();
        badge.textContent = status;
        holder.replaceChildren(badge);
      });
    });
  }
})();
