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
