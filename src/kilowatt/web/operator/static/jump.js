// The quick jump: Ctrl-K (or ⌘K) anywhere, "/" outside a field, or the header's button opens
// the dialog (templates/_jump.html); htmx asks /jump as one types; Enter opens the first
// place found, the arrow keys move through them, Esc closes.
(() => {
  const dialog = document.getElementById("jump");
  const input = document.getElementById("jump-q");
  if (!dialog || !input || typeof dialog.showModal !== "function") return;

  function typing(target) {
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  function open() {
    if (!dialog.open) dialog.showModal();
    input.focus();
    input.select();
  }

  document.addEventListener("keydown", (event) => {
    const withCommand = event.ctrlKey || event.metaKey;
    if (withCommand && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      open();
    } else if (event.key === "/" && !withCommand && !event.altKey && !typing(event.target)) {
      event.preventDefault();
      open();
    }
  });

  for (const button of document.querySelectorAll("[data-open-jump]")) {
    button.addEventListener("click", open);
  }

  // Enter: the first place found for what is typed now (the list may not have caught up).
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    const response = await fetch("/jump?" + new URLSearchParams({ q }), {
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const found = new DOMParser().parseFromString(await response.text(), "text/html");
    const first = found.querySelector(".jump-hit");
    if (first) {
      window.location.assign(first.getAttribute("href"));
    } else {
      const results = document.getElementById("jump-results");
      const answer = found.getElementById("jump-results");
      if (results && answer) results.replaceWith(document.adoptNode(answer));
    }
  });

  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      // a search field would only clear itself
      event.preventDefault();
      dialog.close();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const places = [input, ...dialog.querySelectorAll(".jump-hit")];
    const at = places.indexOf(document.activeElement);
    const next = event.key === "ArrowDown" ? Math.min(at + 1, places.length - 1) : Math.max(at - 1, 0);
    places[next].focus();
    event.preventDefault();
  });

  // A click on the backdrop (the dialog itself, outside its form) closes it.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
})();
