// Debounced film search boxes with a suggestion list (an ARIA combobox: arrows, Enter, Escape).
// The list only ever shows the answer to what is in the box now: typing clears it at once,
// and Enter while the answer is pending waits for it instead of picking a stale film.
(function () {
  "use strict";
  const DEBOUNCE_MS = 300;

  // GET JSON; a non-2xx answer rejects with the API's error message, asked in the page's language
  // (the API answers in the request's language only).
  window.fetchJson = function (url) {
    return fetch(url, { headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang } }).then((r) =>
      r.json().catch(() => ({})).then((body) => {
        if (!r.ok) throw new Error((body.error && body.error.message) || "HTTP " + r.status);
        return body;
      }));
  };

  // Posters on an HTTPS page must not be plain http (mixed content); the server does the same.
  window.posterSrc = function (url) {
    return url && url.slice(0, 7).toLowerCase() === "http://" ? "https://" + url.slice(7) : url;
  };

  window.attachSuggestions = function (input, list, fetchResults, onPick, errorBox) {
    if (!input || !list) return;
    let timer = null, items = [], active = -1, seq = 0;
    let status = "idle"; // idle | pending (debouncing or in flight) | done
    let pickWhenReady = false;

    function showError(message) {
      if (!errorBox) return;
      errorBox.textContent = message || "";
      errorBox.hidden = !message;
    }
    function optionId(index) { return list.id + "-option-" + index; }
    // A library film banned today or later says so before it is picked (the server refuses it).
    function bannedNote(film) {
      const until = film.badges && film.badges.banned_until;
      if (!until || !list.dataset.banned || until < new Date().toISOString().slice(0, 10)) return "";
      const date = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium", timeZone: "UTC" })
        .format(new Date(until + "T00:00:00Z"));
      return " " + list.dataset.banned.replace("{date}", date);
    }
    function messageRow(text, className) {
      const li = document.createElement("li");
      li.className = className;
      li.setAttribute("role", "option");
      li.setAttribute("aria-disabled", "true");
      li.textContent = text;
      list.appendChild(li);
    }
    function render() {
      list.innerHTML = "";
      items.forEach((film, index) => {
        const li = document.createElement("li");
        li.id = optionId(index);
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", index === active ? "true" : "false");
        const img = document.createElement(film.poster_url ? "img" : "div");
        if (film.poster_url) { img.src = window.posterSrc(film.poster_url); img.alt = ""; img.referrerPolicy = "no-referrer"; } else { img.className = "poster-blank"; }
        const text = document.createElement("span");
        text.textContent = film.title + (film.year ? " (" + film.year + ")" : "") +
          (film.rating ? " ★ " + Number(film.rating).toFixed(1) : "") + bannedNote(film);
        li.append(img, text);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(index); });
        list.appendChild(li);
      });
      if (status === "pending" && input.value.trim() && list.dataset.loading) messageRow(list.dataset.loading, "suggestion-loading");
      if (status === "done" && !items.length && list.dataset.empty) messageRow(list.dataset.empty, "suggestion-empty");
      list.setAttribute("aria-busy", status === "pending" ? "true" : "false");
      input.setAttribute("aria-expanded", list.children.length ? "true" : "false");
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", optionId(active));
        list.children[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function reset(nextStatus) {
      items = []; active = -1; status = nextStatus; pickWhenReady = false;
    }
    function pick(index) {
      if (!items[index]) return;
      onPick(items[index]);
      input.value = "";
      reset("idle");
      render();
    }
    function runSearch() {
      timer = null;
      const query = input.value.trim(), mine = ++seq;
      fetchResults(query)
        .then((found) => {
          if (mine !== seq) return;
          items = found; active = found.length ? 0 : -1; status = "done";
          showError("");
          if (pickWhenReady && found.length) pick(0);
          else { pickWhenReady = false; render(); }
        })
        .catch((error) => { if (mine === seq) { reset("idle"); render(); showError(error.message); } });
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      seq++; // whatever is in flight now answers an older query
      const query = input.value.trim();
      reset(query ? "pending" : "idle");
      render();
      if (!query) { showError(""); return; }
      timer = setTimeout(runSearch, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && items.length) { active = (active + 1) % items.length; render(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && items.length) { active = (active - 1 + items.length) % items.length; render(); e.preventDefault(); }
      else if (e.key === "Enter") {
        e.preventDefault();
        if (status === "pending") {
          pickWhenReady = true; // take the first film of the answer to this query
          if (timer) { clearTimeout(timer); runSearch(); }
        } else if (active >= 0) pick(active);
      }
      else if (e.key === "Escape") { clearTimeout(timer); seq++; reset("idle"); render(); }
    });
    input.addEventListener("blur", () => setTimeout(() => {
      if (document.activeElement === input) return;
      clearTimeout(timer); seq++; reset("idle"); render(); // leaving the box drops the search
    }, 150));
  };
})();
