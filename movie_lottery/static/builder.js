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

  window.attachSuggestions(document.getElementById("library-q"), document.getElementById("library-results"),
    (query) => window.fetchJson("/api/library?limit=8&q=" + encodeURIComponent(query)).then((body) => body.items),
    window.addFilmToLottery, document.getElementById("search-error"));
  window.attachSuggestions(document.getElementById("kp-q"), document.getElementById("kp-results"),
    (query) => window.fetchJson("/api/search?q=" + encodeURIComponent(query)).then((body) => body.results),
    window.addFilmToLottery, document.getElementById("search-error"));
})();
