// Debounced, keyboard-friendly suggestion lists (arrows, Enter, Escape) for film searches.
(function () {
  "use strict";

  // GET JSON; a non-2xx answer rejects with the API's error message.
  window.fetchJson = function (url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then((r) =>
      r.json().catch(() => ({})).then((body) => {
        if (!r.ok) throw new Error((body.error && body.error.message) || "HTTP " + r.status);
        return body;
      }));
  };

  window.attachSuggestions = function (input, list, fetchResults, onPick, errorBox) {
    if (!input || !list) return;
    let timer = null, items = [], active = -1, seq = 0;
    function showError(message) {
      if (!errorBox) return;
      errorBox.textContent = message || "";
      errorBox.hidden = !message;
    }
    function render() {
      list.innerHTML = "";
      items.forEach((film, index) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", index === active ? "true" : "false");
        const img = document.createElement(film.poster_url ? "img" : "div");
        if (film.poster_url) { img.src = film.poster_url; img.alt = ""; img.referrerPolicy = "no-referrer"; } else { img.className = "poster-blank"; }
        const text = document.createElement("span");
        text.textContent = film.title + (film.year ? " (" + film.year + ")" : "") +
          (film.rating ? " ★ " + Number(film.rating).toFixed(1) : "");
        li.append(img, text);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(index); });
        list.appendChild(li);
      });
    }
    function pick(index) {
      if (!items[index]) return;
      onPick(items[index]);
      input.value = ""; items = []; active = -1; render();
    }
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (!query) { items = []; render(); showError(""); return; }
      timer = setTimeout(() => {
        const mine = ++seq;
        fetchResults(query)
          .then((found) => { if (mine === seq) { items = found; active = found.length ? 0 : -1; render(); showError(""); } })
          .catch((error) => { if (mine === seq) { items = []; render(); showError(error.message); } });
      }, 300);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { pick(active); e.preventDefault(); }
      else if (e.key === "Escape") { items = []; active = -1; render(); }
    });
    input.addEventListener("blur", () => setTimeout(() => { items = []; render(); }, 150));
  };
})();
