// The connector page: live values and the power/energy curve of the running session, the
// state badge, the outcome of a command when the station answers, and what became of a
// remote start's session (events from /live).
"use strict";

(function () {
  const data = Kilowatt.data("connector-data");
  if (!data) return;
  const labels = data.labels;
  let transactionId = data.transaction_id;
  let online = data.online;
  let state = data.state;

  function mine(event) {
    return (
      event.station === data.station &&
      Number(event.evse_id) === data.evse_id &&
      Number(event.connector_id) === data.connector_id
    );
  }

  function setText(id, text) {
    const element = document.getElementById(id);
    if (element) element.textContent = text;
  }

  function paintStatus() {
    const holder = document.getElementById("connector-status");
    if (!holder) return;
    holder.replaceChildren(Kilowatt.stateBadge(online ? state : "offline"));
  }

  // The curve ---------------------------------------------------------------------------
  const canvas = document.getElementById("power-chart");
  let chart = null;
  let started = null; // ms of the first point of the running session
  let count = 0;

  function makeChart() {
    if (!canvas || typeof Chart === "undefined") return null;
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: labels.power, data: [], yAxisID: "power", borderColor: "#0b63c5",
            backgroundColor: "#0b63c5", pointRadius: 2, tension: 0.2 },
          { label: labels.energy, data: [], yAxisID: "energy", borderColor: "#17803d",
            backgroundColor: "#17803d", pointRadius: 1, borderDash: [4, 3], tension: 0.2 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: "linear", title: { display: true, text: labels.minutes }, min: 0 },
          power: { type: "linear", position: "left", beginAtZero: true,
                   title: { display: true, text: labels.power } },
          energy: { type: "linear", position: "right", beginAtZero: true,
                    grid: { drawOnChartArea: false }, title: { display: true, text: labels.energy } },
        },
      },
    });
  }

  function addPoint(minutes, powerW, energyWh) {
    if (!chart) chart = makeChart();
    if (!chart) return;
    if (powerW !== null && powerW !== undefined) {
      chart.data.datasets[0].data.push({ x: minutes, y: powerW / 1000 });
    }
    if (energyWh !== null && energyWh !== undefined) {
      chart.data.datasets[1].data.push({ x: minutes, y: energyWh / 1000 });
    }
    count += 1;
    canvas.dataset.points = String(count);
    chart.update("none");
  }

  function resetChart() {
    if (chart) {
      for (const dataset of chart.data.datasets) dataset.data = [];
      chart.update("none");
    }
    count = 0;
    started = Date.now();
    if (canvas) canvas.dataset.points = "0";
  }

  if (transactionId !== null) {
    const points = data.points || [];
    const last = points.length ? points[points.length - 1].t : 0;
    started = Date.now() - last * 1000;
    for (const point of points) addPoint(point.t / 60, point.power_w, point.energy_wh);
  }

  // Live values ---------------------------------------------------------------------------
  function firstOf(values, name) {
    if (values[name] !== undefined && values[name] !== null) return { value: values[name], n: 1 };
    let total = 0;
    let n = 0;
    for (const key of Object.keys(values)) {
      if (key.startsWith(name + ".") && values[key] !== null) {
        total += Number(values[key]);
        n += 1;
      }
    }
    return n ? { value: total, n: n } : null;
  }

  function showRunning(id) {
    transactionId = id;
    const live = document.getElementById("live");
    if (live) live.dataset.state = "running";
    const state = document.getElementById("session-state");
    if (state) {
      const link = document.createElement("a");
      link.id = "session-link";
      link.href = "/sessions/" + id;
      link.textContent = labels.session.replace("%(id)s", String(id));
      state.replaceChildren(labels.running + " · ", link);
    }
    const stop = document.getElementById("stop-button");
    if (stop) stop.disabled = false;
  }

  Kilowatt.on("meter.values", (event) => {
    if (!mine(event)) return;
    if (event.transaction_id !== null && event.transaction_id !== transactionId) {
      showRunning(event.transaction_id);
      resetChart();
    }
    const values = event.values || {};
    const power = firstOf(values, "Power.Active.Import");
    const voltage = firstOf(values, "Voltage");
    const current = firstOf(values, "Current.Import");
    const soc = firstOf(values, "SoC");
    if (power) setText("live-power", Kilowatt.formatNumber(power.value / 1000, 2));
    if (voltage) setText("live-voltage", Kilowatt.formatNumber(voltage.value / voltage.n, 0));
    if (current) setText("live-current", Kilowatt.formatNumber(current.value, 1));
    if (soc) setText("live-soc", Kilowatt.formatNumber(soc.value, 0));
    if (event.energy_wh !== null && event.energy_wh !== undefined) {
      setText("live-energy", Kilowatt.formatNumber(event.energy_wh / 1000, 2));
    }
    if (transactionId !== null) {
      if (started === null) started = Date.now();
      const minutes = (Date.now() - started) / 60000;
      addPoint(minutes, power ? power.value : null, event.energy_wh);
    }
  });

  Kilowatt.on("transaction.started", (event) => {
    if (!mine(event)) return;
    showRunning(event.transaction_id);
    resetChart();
  });

  Kilowatt.on("transaction.ended", (event) => {
    if (!mine(event) || event.transaction_id !== transactionId) return;
    const live = document.getElementById("live");
    if (live) live.dataset.state = "ended";
    const state = document.getElementById("session-state");
    if (state) {
      const link = document.createElement("a");
      link.href = "/sessions/" + event.transaction_id;
      link.textContent = labels.session.replace("%(id)s", String(event.transaction_id));
      state.replaceChildren(labels.ended + " · ", link);
    }
    if (event.energy_wh !== null && event.energy_wh !== undefined) {
      setText("live-energy", Kilowatt.formatNumber(event.energy_wh / 1000, 2));
    }
    setText("live-power", "—");
    transactionId = null;
    const stop = document.getElementById("stop-button");
    if (stop) stop.disabled = true;
  });

  Kilowatt.on("connector.status", (event) => {
    if (!mine(event) || !event.state) return;
    state = event.state;
    online = true;
    paintStatus();
    const errorWords = Kilowatt.data("error-words") || {};
    const code = event.error_code || "NoError";
    setText("error-code", errorWords[code] || code);
  });

  Kilowatt.on("station.online", (event) => {
    if (event.station !== data.station) return;
    online = event.online;
    paintStatus();
  });

  Kilowatt.on("command.finished", (event) => {
    if (event.station !== data.station) return;
    const holder = document.querySelector('[data-command-id="' + event.command_id + '"]');
    if (!holder) return;
    const outcome = holder.querySelector("[data-outcome]");
    if (outcome) {
      outcome.dataset.outcome = event.status;
      outcome.className = "outcome outcome-" + event.status;
      outcome.textContent = labels.outcomes[event.status] || event.status;
    }
    holder.classList.remove("info");
    holder.classList.add(event.status === "accepted" ? "ok" : "bad");
    const start = startLine(event.command_id);
    if (!start) return;
    if (starts[event.command_id]) {
      paintStart(starts[event.command_id]);
    } else if (event.status === "accepted") {
      const outcome = start.dataset.startOutcome;
      if (outcome === "" || outcome === "waiting") {
        paintStart({ command_id: event.command_id, outcome: "waiting",
                     window: Number(start.dataset.window) });
      }
    } else {
      start.hidden = true;
    }
  });

  // What became of a remote start's session: the station began one (Kilowatt accepted its
  // token or not), or none began in time. An outcome may arrive before the page shows the
  // command (the start races the answer): it is kept and shown when the command appears.
  const starts = {};

  function startLine(commandId) {
    return document.querySelector('[data-start-of="' + commandId + '"]');
  }

  function paintStart(event) {
    const holder = startLine(event.command_id);
    if (!holder) return;
    const words = labels.start;
    const seconds = String(Number(event.window) || 0);
    holder.dataset.startOutcome = event.outcome;
    holder.hidden = false;
    holder.classList.remove("info", "ok", "bad");
    if (event.outcome === "started") {
      holder.classList.add("ok");
      const parts = words.started.split("%(id)s");
      const link = document.createElement("a");
      link.id = "start-session-link";
      link.href = "/sessions/" + event.transaction_id;
      link.textContent = String(event.transaction_id);
      holder.replaceChildren(parts[0], link, parts.slice(1).join(""));
    } else if (event.outcome === "refused") {
      holder.classList.add("bad");
      const status = event.authorization_status || "";
      holder.textContent = words.refused.replace("%(reason)s", words.reasons[status] || status);
    } else if (event.outcome === "not_started") {
      holder.classList.add("bad");
      holder.textContent = words.not_started.replace("%(seconds)s", seconds);
    } else {
      holder.classList.add("info");
      holder.textContent = words.waiting.replace("%(seconds)s", seconds);
    }
  }

  Kilowatt.on("remote_start.outcome", (event) => {
    if (event.station !== data.station) return;
    starts[event.command_id] = event;
    paintStart(event);
  });

  // A swapped-in commands panel renders the stop button from the server's view; keep it in
  // step with the live session.
  document.body.addEventListener("htmx:afterSwap", () => {
    const stop = document.getElementById("stop-button");
    if (stop) stop.disabled = transactionId === null;
    for (const line of document.querySelectorAll("[data-start-of]")) {
      const known = starts[line.dataset.startOf];
      if (known) paintStart(known);
    }
  });
})();
