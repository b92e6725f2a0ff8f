// Lottery builder: add/remove rows and pick films from the library (keyboard friendly).
(function () {
  "use strict";
  const rows = document.getElementById("entry-rows");
  if (!rows) return;

  function blankRow() {
    const row = rows.querySelector(".entry-row").cloneNode(true);
    row.querySelectorAll("input").forEach((input) => { input.value = input.name === "entry-weight" ? "1" : ""; });
    return row;
  }

  function emptyRow() {
    return Array.from(rows.querySelectorAll(".entry-row")).find((row) => !row.querySelector('[name="entry-title"]').value.trim());
  }

  // Exposed for the search panels: put a film into the first empty row (or a new one).
  window.addFilmToLottery = function (film) {
    let row = emptyRow();
    if (!row) { row = blankRow(); rows.appendChild(row); }
    row.querySelector('[name="entry-title"]').value = film.title || "";
    row.querySelector('[name="entry-year"]').value = film.year || "";
    row.querySelector('[name="entry-poster_url"]').value = film.poster_url || "";
    row.querySelector('[name="entry-kinopoisk_id"]').value = film.kinopoisk_id || "";
  };

  document.getElementById("add-row").addEventListener("click", () => {
    const row = blankRow();
    rows.appendChild(row);
    row.querySelector("input").focus();
  });

  rows.addEventListener("click", (event) => {
    if (!event.target.classList.contains("remove-row")) return;
    const all = rows.querySelectorAll(".entry-row");
    if (all.length > 1) event.target.closest("tr").remove();
    else all[0].querySelectorAll("input").forEach((i) => { i.value = i.name === "entry-weight" ? "1" : ""; });
  });

  // A debounced suggestion list bound to an input; `fetchResults(query)` resolves to films.
  window.attachSuggestions = function (input, list, fetchResults) {
    let timer = null, items = [], active = -1, seq = 0;
    function render() {
      list.innerHTML = "";
      items.forEach((film, index) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", index === active ? "true" : "false");
        const img = document.createElement(film.poster_url ? "img" : "div");
        if (film.poster_url) { img.src = film.poster_url; img.alt = ""; img.referrerPolicy = "no-referrer"; } else { img.className = "poster-blank"; }
        const text = document.createElement("span");
        text.textContent = film.title + (film.year ? " (" + film.year + ")" : "") + (film.rating ? " ★ " + Number(film.rating).toFixed(1) : "");
        li.append(img, text);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(index); });
        list.appendChild(li);
      });
    }
    function pick(index) {
      if (!items[index]) return;
      window.addFilmToLottery(items[index]);
      input.value = ""; items = []; active = -1; render();
    }
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (!query) { items = []; render(); return; }
      timer = setTimeout(() => {
        const mine = ++seq;
        fetchResults(query).then((found) => { if (mine === seq) { items = found; active = found.length ? 0 : -1; render(); } })
          .catch(() => { items = []; render(); });
      }, 250);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { pick(active); e.preventDefault(); }
      else if (e.key === "Escape") { items = []; active = -1; render(); }
    });
    input.addEventListener("blur", () => setTimeout(() => { items = []; render(); }, 150));
  };

  const libraryInput = document.getElementById("library-q");
  if (libraryInput) {
    window.attachSuggestions(libraryInput, document.getElementById("library-results"), (query) =>
      fetch("/api/library?limit=8&q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : { items: [] })).then((body) => body.items));
  }
})();
