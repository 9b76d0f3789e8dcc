// Sessions: the force-stop confirmation, and one session's meter curves (Chart.js), which grow
// while the session runs (live meter.values of this transaction).
"use strict";

(function () {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  const data = window.Kilowatt.data("session-data");
  if (!data || typeof window.Chart === "undefined") return;

  const lang = document.documentElement.lang || undefined;
  // 24-hour times in the site's zone, whatever the browser's habit; with seconds when the
  // session is short enough for minutes to repeat on the axis.
  let first = Infinity;
  let last = -Infinity;
  for (const series of Object.values(data.curves)) {
    for (const points of Object.values(series)) {
      for (const [x] of points) {
        first = Math.min(first, x);
        last = Math.max(last, x);
      }
    }
  }
  const short = !(last - first > 20 * 60000);
  const timeFormat = new Intl.DateTimeFormat(lang, {
    timeZone: data.timezone,
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    second: short ? "2-digit" : undefined,
  });
  const fullFormat = new Intl.DateTimeFormat(lang, {
    timeZone: data.timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  // Power and energy start at zero; voltage and current show their own range.
  const fromZero = new Set(["power", "energy", "current"]);
  const colours = ["#1f6feb", "#d9480f", "#2f9e44", "#ae3ec9", "#f08c00", "#495057"];
  const charts = {};

  function points(canvas) {
    let count = 0;
    for (const dataset of charts[canvas.dataset.curve].data.datasets) count += dataset.data.length;
    canvas.dataset.points = String(count);
  }

  for (const canvas of document.querySelectorAll("canvas[data-curve]")) {
    const name = canvas.dataset.curve;
    const series = data.curves[name] || {};
    const datasets = Object.keys(series).map((label, index) => ({
      label: label,
      data: series[label].map(([x, y]) => ({ x: x, y: y })),
      borderColor: colours[index % colours.length],
      backgroundColor: colours[index % colours.length],
      pointRadius: 2,
      borderWidth: 2,
      tension: 0,
      clip: 0,
    }));
    charts[name] = new window.Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: true,
        layout: { padding: { right: 8 } },
        scales: {
          x: {
            type: "linear",
            ticks: {
              callback: (value) => timeFormat.format(new Date(value)),
              maxTicksLimit: 6,
              maxRotation: 0,
            },
          },
          y: {
            beginAtZero: fromZero.has(name),
            min: fromZero.has(name) ? 0 : undefined,
            title: { display: true, text: canvas.dataset.label },
          },
        },
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: {
            callbacks: { title: (items) => fullFormat.format(new Date(items[0].parsed.x)) },
          },
        },
      },
    });
    points(canvas);
  }

  if (!data.active) return;

  // "Voltage.L1" → chart "voltage", series "Voltage L1".
  function placeOf(key) {
    for (const [curve, measurands] of Object.entries(data.measurands)) {
      for (const measurand of measurands) {
        if (key === measurand) return [curve, measurand];
        if (key.startsWith(measurand + ".")) {
          return [curve, measurand + " " + key.slice(measurand.length + 1)];
        }
      }
    }
    return null;
  }

  window.Kilowatt.on("meter.values", (payload) => {
    if (payload.transaction_id !== data.transaction_id) return;
    const at = Date.now();
    const touched = new Set();
    for (const [key, value] of Object.entries(payload.values || {})) {
      const place = placeOf(key);
      if (!place || typeof value !== "number") continue;
      const [curve, label] = place;
      const chart = charts[curve];
      if (!chart) continue;
      let dataset = chart.data.datasets.find((d) => d.label === label);
      if (!dataset) {
        const colour = colours[chart.data.datasets.length % colours.length];
        dataset = { label: label, data: [], borderColor: colour, backgroundColor: colour,
          pointRadius: 2, borderWidth: 2, tension: 0, clip: 0 };
        chart.data.datasets.push(dataset);
      }
      const scale = data.scale[curve] || 1;
      // the energy register counts from the session's start, as the page drew it
      const shown = curve === "energy" && label === "Energy.Active.Import.Register"
        ? Math.max(0, value - data.energy_base_wh) : value;
      dataset.data.push({ x: at, y: Math.round(shown * scale * 1000) / 1000 });
      touched.add(curve);
    }
    for (const curve of touched) {
      charts[curve].update();
      points(charts[curve].canvas);
    }
    const energy = document.getElementById("session-energy");
    if (energy && typeof payload.energy_wh === "number") {
      energy.textContent = window.Kilowatt.formatNumber(payload.energy_wh / 1000, 3);
    }
    const none = document.getElementById("no-readings");
    if (none && touched.size) none.hidden = true;
  });

  window.Kilowatt.on("session.cost", (payload) => {
    if (payload.transaction_id !== data.transaction_id) return;
    const cost = document.getElementById("session-cost");
    if (cost) cost.textContent = payload.cost + " " + payload.currency;
  });

  window.Kilowatt.on("transaction.ended", (payload) => {
    if (payload.transaction_id === data.transaction_id) window.location.reload();
  });

  // A stop was just sent: the station may have ended the session before this page listened,
  // so ask the page itself for a while, until it says the session has ended.
  if (data.stopping) {
    let tries = 0;
    const timer = window.setInterval(async () => {
      tries += 1;
      if (tries > 30) window.clearInterval(timer);
      try {
        const response = await fetch(window.location.pathname, { credentials: "same-origin" });
        if (!response.ok) return;
        const html = new DOMParser().parseFromString(await response.text(), "text/html");
        if (!html.querySelector("#force-stop")) {
          window.clearInterval(timer);
          window.location.reload();
        }
      } catch (_) {
        // offline for a moment: the next try will tell
      }
    }, 2000);
  }
})();
