// Assets pages: while an import uploads, its button says so and cannot be pressed twice.
"use strict";

(function () {
  const form = document.getElementById("import-form");
  if (!form) return;
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (!button) return;
    // Disabled after this event's turn, so that the browser still sends the form.
    window.setTimeout(() => {
      button.disabled = true;
      if (button.dataset.busy) button.textContent = button.dataset.busy;
    }, 0);
  });
})();

// After an import: the new stations' passwords as a CSV file, made in the browser from the
// table on the page (the server keeps no copy of them to send again).
(function () {
  const button = document.getElementById("download-passwords");
  const table = document.getElementById("import-passwords");
  if (!button || !table) return;
  const cell = (text) => '"' + String(text).replace(/"/g, '""') + '"';
  button.hidden = false;
  button.addEventListener("click", () => {
    const lines = [];
    for (const row of table.querySelectorAll("tr")) {
      const cells = Array.from(row.querySelectorAll("th, td"), (c) => cell(c.textContent.trim()));
      lines.push(cells.join(","));
    }
    const blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = button.dataset.filename || "station-passwords.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  });
})();
