// Lottery builder: add/remove rows, pick films from the library or Kinopoisk (keyboard friendly).
// A picked film carries hidden data (Kinopoisk id, rating, genres…); retyping its title turns
// the row into a hand-entered film, and a row that looks empty is empty.
(function () {
  "use strict";
  const rows = document.getElementById("entry-rows");
  if (!rows) return;
  const PICKED = ["kinopoisk_id", "original_title", "rating", "genres", "description"];
  const warning = document.getElementById("duplicate-warning");

  const field = (row, name) => row.querySelector('[name="entry-' + name + '"]');
  const allRows = () => Array.from(rows.querySelectorAll(".entry-row"));

  function clearPicked(row) {
    PICKED.forEach((name) => { field(row, name).value = ""; });
    if (row.dataset.picked) field(row, "poster_url").value = ""; // the poster was the picked film's
    delete row.dataset.picked;
  }

  function clearRow(row) {
    row.querySelectorAll("input").forEach((input) => { input.value = input.name === "entry-weight" ? "1" : ""; });
    delete row.dataset.picked;
  }

  function blankRow() {
    const row = allRows()[0].cloneNode(true);
    clearRow(row);
    row.classList.remove("is-duplicate");
    return row;
  }

  const looksEmpty = (row) => !field(row, "title").value.trim() && !field(row, "year").value.trim();

  // Same Kinopoisk id, or same title and year (case and ё/е aside), as another row.
  function duplicateKeys(row) {
    const id = field(row, "kinopoisk_id").value.trim();
    const title = field(row, "title").value.trim().toLowerCase().replace(/ё/g, "е");
    const keys = [];
    if (id) keys.push("kp:" + id);
    if (title) keys.push("t:" + title + "|" + field(row, "year").value.trim());
    return keys;
  }

  function checkDuplicates() {
    const seen = new Map(), dupTitles = [];
    allRows().forEach((row) => row.classList.remove("is-duplicate"));
    allRows().forEach((row) => {
      const first = duplicateKeys(row).map((key) => seen.get(key)).find(Boolean);
      if (first) {
        row.classList.add("is-duplicate");
        first.classList.add("is-duplicate");
        const title = field(row, "title").value.trim();
        if (!dupTitles.includes(title)) dupTitles.push(title);
      } else {
        duplicateKeys(row).forEach((key) => seen.set(key, row));
      }
    });
    warning.textContent = dupTitles.length ? warning.dataset.text + " " + dupTitles.join(", ") : "";
    warning.hidden = !dupTitles.length;
  }

  // Exposed for the search panels: put a film into the first empty row (or a new one).
  window.addFilmToLottery = function (film) {
    let row = allRows().find(looksEmpty);
    if (!row) { row = blankRow(); rows.appendChild(row); }
    clearRow(row);
    field(row, "title").value = film.title || "";
    field(row, "year").value = film.year || "";
    field(row, "poster_url").value = film.poster_url || "";
    PICKED.forEach((name) => {
      const value = film[name];
      field(row, name).value = value === null || value === undefined ? "" : Array.isArray(value) ? value.join(", ") : value;
    });
    row.dataset.picked = "true";
    checkDuplicates();
  };

  rows.addEventListener("input", (event) => {
    const row = event.target.closest(".entry-row");
    if (event.target.name === "entry-title") clearPicked(row);
    if (looksEmpty(row)) clearPicked(row);
    checkDuplicates();
  });

  document.getElementById("add-row").addEventListener("click", () => {
    const row = blankRow();
    rows.appendChild(row);
    field(row, "title").focus();
  });

  rows.addEventListener("click", (event) => {
    if (!event.target.classList.contains("remove-row")) return;
    const all = allRows();
    if (all.length > 1) event.target.closest(".entry-row").remove();
    else clearRow(all[0]);
    checkDuplicates();
  });

  // A language switch keeps what was typed: the form goes to sessionStorage on RU/EN and comes
  // back on the builder in the new language; a refused form is checked again (check_only), so
  // its errors are shown in the new language too, and nothing is created by that check.
  const DRAFT_KEY = "builder-draft", DRAFT_MS = 10 * 60 * 1000;
  const form = document.getElementById("lottery-form");
  const typed = () => allRows().some((row) => !looksEmpty(row)) || form.elements.title.value.trim();
  document.querySelectorAll(".topbar .lang a").forEach((link) => link.addEventListener("click", () => {
    if (!typed()) return;
    const fields = Array.from(new FormData(form)).filter(([name]) => name !== "csrf_token" && name !== "check_only");
    const refused = document.getElementById("builder-errors") ? window.location.pathname : null;
    try { sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ fields: fields, refused: refused, at: Date.now() })); } catch (e) { /* private mode */ }
  }));
  function restoreDraft() {
    let draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY)); sessionStorage.removeItem(DRAFT_KEY); } catch (e) { return; }
    if (!draft || Date.now() - draft.at > DRAFT_MS) return;
    const count = draft.fields.filter(([name]) => name === "entry-title").length;
    while (allRows().length < count) rows.appendChild(blankRow());
    allRows().slice(Math.max(count, 1)).forEach((row) => row.remove());
    const byName = {};
    draft.fields.forEach(([name, value]) => { (byName[name] = byName[name] || []).push(value); });
    Object.keys(byName).forEach((name) => {
      const controls = Array.from(form.querySelectorAll('[name="' + name + '"]'));
      controls.forEach((control, index) => {
        if (control.type === "checkbox" || control.type === "radio") control.checked = byName[name].includes(control.value);
        else if (index < byName[name].length) control.value = byName[name][index];
      });
    });
    form.querySelectorAll('input[type="checkbox"]').forEach((box) => { if (!byName[box.name]) box.checked = false; });
    if (draft.refused === "/lotteries" || draft.refused === "/polls") {
      const check = document.createElement("input");
      check.type = "hidden"; check.name = "check_only"; check.value = "1";
      form.appendChild(check);
      form.action = draft.refused;
      form.submit();
    }
  }
  restoreDraft();

  // Rows shown again after a refused submit keep their picked data.
  allRows().forEach((row) => { if (PICKED.some((name) => field(row, name).value)) row.dataset.picked = "true"; });
  checkDuplicates();

  window.attachSuggestions(document.getElementById("library-q"), document.getElementById("library-results"),
    (query) => window.fetchJson("/api/library?limit=8&q=" + encodeURIComponent(query)).then((body) => body.items),
    window.addFilmToLottery, document.getElementById("search-error"));
  // A Kinopoisk film picked for the lottery may also go on the visitor's own watchlist (it joins
  // the library first when it is not there): POST /api/me/watchlist.
  const wish = document.getElementById("kp-wish");
  let wishFilm = null;
  function offerWish(film) {
    if (!wish || !film.kinopoisk_id) return;
    wishFilm = film;
    document.getElementById("kp-wish-title").textContent = "«" + film.title + "»" + (film.year ? " (" + film.year + ")" : "");
    document.getElementById("kp-wish-status").textContent = "";
    wish.hidden = false;
  }
  if (wish) document.getElementById("kp-wish-button").addEventListener("click", () => {
    const status = document.getElementById("kp-wish-status");
    if (!wishFilm) return;
    fetch("/api/me/watchlist", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": document.documentElement.lang },
      body: JSON.stringify({ kinopoisk_id: wishFilm.kinopoisk_id }),
    }).then((r) => r.json().catch(() => ({})).then((body) => {
      status.textContent = "";
      if (r.ok) status.textContent = wish.dataset.added.replace("{title}", body.film.title);
      else if (body.error && body.error.code === "name_required") {
        const link = document.createElement("a");
        link.href = wish.dataset.nameUrl;
        link.textContent = wish.dataset.nameNeeded;
        status.appendChild(link);
      } else status.textContent = (body.error && body.error.message) || "HTTP " + r.status;
    })).catch((error) => { status.textContent = error.message; });
  });

  window.attachSuggestions(document.getElementById("kp-q"), document.getElementById("kp-results"),
    (query) => window.fetchJson("/api/search?q=" + encodeURIComponent(query)).then((body) => body.results),
    (film) => { window.addFilmToLottery(film); offerWish(film); }, document.getElementById("search-error"));
})();
