// The home page: live status counts, the site map (Leaflet) and the monthly charts (Chart.js).
// Data comes from <script type="application/json"> blocks and data-* attributes (no inline
// scripts: the Content-Security-Policy forbids them).
"use strict";

(function () {
  // Status counts: fetch the fragment again (debounced) when a station or connector changes.
  let pending = null;
  function refreshStatus() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      if (document.getElementById("status-counts")) {
        htmx.ajax("GET", "/home/status", { target: "#status-counts", swap: "outerHTML" });
      }
    }, 400);
  }
  Kilowatt.on("connector.status", refreshStatus);
  Kilowatt.on("station.online", refreshStatus);

  // Figures: fetched again shortly after a session starts or ends, and at most every
  // METER_REFRESH ms while running sessions' meters move (they count their energy so far).
  const METER_REFRESH = 10000;
  let figuresTimer = null;
  let figuresDue = 0;
  let figuresFetched = 0;
  function refreshFigures(wait) {
    const due = Date.now() + wait;
    if (figuresTimer) {
      if (figuresDue <= due) return;
      clearTimeout(figuresTimer);
    }
    figuresDue = due;
    figuresTimer = setTimeout(() => {
      figuresTimer = null;
      figuresFetched = Date.now();
      if (document.getElementById("home-figures")) {
        htmx.ajax("GET", "/home/figures", { target: "#home-figures", swap: "outerHTML" });
      }
    }, wait);
  }
  Kilowatt.on("transaction.started", () => refreshFigures(400));
  Kilowatt.on("transaction.ended", () => refreshFigures(400));
  Kilowatt.on("meter.values", (event) => {
    if (!event.transaction_id) return;
    refreshFigures(Math.max(400, METER_REFRESH - (Date.now() - figuresFetched)));
  });

  // The map: a marker per located site, a click (or Enter) opens the site. Without a tile URL
  // the map is drawn on a plain background and nothing is fetched from outside.
  function drawMap() {
    const element = document.getElementById("site-map");
    if (!element || typeof L === "undefined") return;
    const sites = Kilowatt.data("home-sites") || [];
    const map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
    const tiles = element.dataset.tileUrl;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: element.dataset.attribution || "" }).addTo(map);
    }
    // The view first: Leaflet adds layers only to a map that has one.
    const points = sites.map((site) => [site.lat, site.lon]);
    if (points.length === 1) {
      map.setView(points[0], 12);
    } else if (points.length > 1) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 12 });
    } else {
      map.setView([50, 10], 3);
    }
    const label = element.dataset.stationsLabel || "";
    for (const site of sites) {
      const marker = L.marker([site.lat, site.lon], {
        title: site.name,
        alt: site.name,
        keyboard: true,
      }).addTo(map);
      const open = () => window.location.assign(site.url);
      marker.on("click", open);
      marker.on("keypress", (event) => {
        if (event.originalEvent.key === "Enter") open();
      });
      const icon = marker.getElement();
      if (icon) {
        icon.dataset.siteId = String(site.id);
        icon.classList.add("home-marker");
        icon.setAttribute("role", "link");
        icon.setAttribute("aria-label", `${site.name}: ${site.online}/${site.stations} ${label}`);
      }
    }
  }

  // Monthly charts.
  function drawCharts() {
    if (typeof Chart === "undefined") return;
    const data = Kilowatt.data("home-charts");
    if (!data) return;
    const style = getComputedStyle(document.documentElement);
    const colour = style.getPropertyValue("--accent").trim() || "#0b63c5";
    const series = [
      ["chart-sessions", data.sessions, 0],
      ["chart-energy", data.energy_kwh, 1],
      ["chart-hours", data.hours, 1],
      ["chart-revenue", data.revenue, 2],
    ];
    for (const [id, values, digits] of series) {
      const canvas = document.getElementById(id);
      if (!canvas) continue;
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [{ label: canvas.dataset.label || "", data: values, backgroundColor: colour }],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: { label: (item) => Kilowatt.formatNumber(item.parsed.y, digits) },
            },
          },
          scales: { y: { beginAtZero: true, suggestedMax: 1 } },
        },
      });
    }
  }

  function start() {
    drawMap();
    drawCharts();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
