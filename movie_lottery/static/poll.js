// Poll page: vote without a reload, and watch the counts move. Live updates poll a small
// JSON with If-None-Match, so an unchanged poll costs the server one row read and a 304.
(function () {
  "use strict";
  const POLL_MS = 3000;
  const VOTE_TIMEOUT_MS = 10000;

  document.querySelectorAll("[data-copy]").forEach((button) => button.addEventListener("click", () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(() => document.execCommand("copy"));
    else document.execCommand("copy");
  }));

  const root = document.getElementById("poll");
  if (!root) return;
  let etag = null, closed = root.dataset.closed === "true";
  // A closed poll is still watched until its lottery exists, so every phone gets the link.
  let settled = closed && !document.getElementById("lottery-link-row").hidden;
  const show = (id, visible) => { const el = document.getElementById(id); if (el) el.hidden = !visible; };

  function setBars() {
    root.querySelectorAll(".bar-fill").forEach((bar) => { bar.style.width = bar.dataset.share + "%"; });
  }

  // A poll that closes while the page is open: the result, its rounds and the revealed seed
  // come from the page itself (rendered once by the server), swapped in without a reload.
  let resultShown = closed;
  function showResult() {
    resultShown = true;
    return fetch(window.location.pathname + window.location.search, { cache: "no-store" })
      .then((r) => (r.ok ? r.text() : Promise.reject(r)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html");
        ["result-block", "rule"].forEach((id) => {
          const now = document.getElementById(id), then = fresh.getElementById(id);
          if (now && then) now.replaceWith(document.importNode(then, true));
        });
        setBars();
      })
      .catch(() => { resultShown = false; });
  }

  function render(body) {
    closed = body.closed;
    root.dataset.closed = String(closed);
    const visible = body.total_votes !== null;
    const leaders = body.leaders || [];
    const oneTap = !document.getElementById("ballot-form");
    body.entries.forEach((entry) => {
      const li = root.querySelector('.ballot-entry[data-entry-id="' + entry.id + '"]');
      if (!li) { if (!closed) window.location.reload(); return; } // a film was suggested
      if (oneTap) li.classList.toggle("is-mine", entry.id === body.my_vote);
      li.classList.toggle("is-leader", visible && body.ballot !== "ranked" && leaders.includes(entry.id));
      li.querySelector(".results").hidden = !visible;
      if (visible) {
        const share = body.total_votes ? Math.round((entry.votes * 100) / body.total_votes) : 0;
        li.querySelector(".votes").textContent = entry.votes;
        li.querySelector(".pct").textContent = share;
        li.querySelector(".bar-fill").dataset.share = share;
      }
    });
    root.querySelectorAll(".vote-button").forEach((button) => { button.disabled = closed; });
    if (closed) {
      root.querySelectorAll("#ballot-form input, #ballot-form select, #ballot-form button").forEach((el) => { el.disabled = true; });
      root.querySelectorAll(".ballot-actions").forEach((el) => { el.hidden = true; });
    }
    setBars();
    show("hidden-note", !visible);
    show("tie-note", visible && !closed && body.ballot !== "ranked" && leaders.length > 1);
    show("status-open", !closed);
    show("status-closed", closed);
    show("close-poll", !closed);
    if (closed) {
      if (!resultShown) showResult();
      const suggest = document.getElementById("suggest-form");
      if (suggest) suggest.remove();
    }
    settled = closed && resultShown && Boolean(body.lottery);
    if (body.lottery) {
      document.getElementById("lottery-link").href = body.lottery.url;
      show("lottery-link-row", true);
      show("lottery-weighted", false);
      show("lottery-leaders", false);
      show("eliminate-row", false);
      show("finalists-row", false);
    }
  }
  root.addEventListener("poll:body", (event) => render(event.detail));

  function refresh() {
    if (document.hidden) return Promise.resolve();
    const headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    return fetch(root.dataset.apiUrl, { headers: headers, cache: "no-store" })
      .then((r) => {
        if (r.status !== 200) return;
        etag = r.headers.get("ETag");
        return r.json().then(render);
      })
      .catch(() => {});
  }

  root.querySelectorAll(".vote-form").forEach((form) => form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    fetch(root.dataset.voteUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ entry_id: Number(form.elements.entry_id.value) }),
      signal: AbortSignal.timeout(VOTE_TIMEOUT_MS),
    })
      .then((r) => (r.ok ? r.json().then(render) : r.status === 410 ? refresh() : Promise.reject(r)))
      .catch((failure) => {
        // No answer at all: no network (TypeError) or a server that does not answer (TimeoutError).
        if (failure instanceof TypeError || failure.name === "TimeoutError") window.showOfflineNote();
        else form.submit(); // the plain form post shows the reason in the page's language
      })
      .finally(() => { button.disabled = closed; });
  }));

  const manage = document.getElementById("manage");
  if (manage) {
    const key = "poll-manage-" + root.dataset.publicId;
    const fromLink = window.location.hash.slice(1);
    if (fromLink) {
      try { window.localStorage.setItem(key, fromLink); } catch (e) { /* private mode */ }
      history.replaceState(null, "", window.location.pathname); // keep the key out of screenshots
    }
    let token = fromLink;
    try { token = token || window.localStorage.getItem(key); } catch (e) { /* private mode */ }
    if (!token) show("manage-no-token", true);
    else {
      manage.hidden = false;
      const error = document.getElementById("manage-error");
      let lastMode = "weighted";
      const act = (url, payload) => {
        error.hidden = true;
        show("without-banned-row", false);
        return fetch(url, {
          method: "POST",
          headers: {
            Authorization: "Bearer " + token, "Content-Type": "application/json", Accept: "application/json",
            "Accept-Language": document.documentElement.lang,
          },
          body: JSON.stringify(payload || {}),
        }).then((r) => r.json().catch(() => ({})).then((body) => {
          if (r.ok) return body;
          const code = body.error && body.error.code;
          error.textContent = code === "forbidden" ? manage.dataset.msgForbidden
            : code === "not_enough_candidates" ? manage.dataset.msgNotEnough
            : code === "film_banned" ? body.error.message + " " + manage.dataset.msgWithoutBanned
            : manage.dataset.msgFailed;
          error.hidden = false;
          show("without-banned-row", code === "film_banned");
          throw new Error(code);
        }));
      };
      const finalists = document.getElementById("lottery-finalists");
      const makeLottery = (payload) => act(root.dataset.lotteryUrl,
        Object.assign({ draw_mode: document.getElementById("lottery-eliminate").checked ? "eliminate" : "single" },
          finalists ? { finalists: Number(finalists.value) } : {}, payload))
        .then((made) => { window.location.href = made.url; }).catch(() => {});
      document.getElementById("close-poll").addEventListener("click", () => act(root.dataset.closeUrl).then(render).catch(() => {}));
      ["weighted", "leaders"].forEach((mode) => {
        const button = document.getElementById("lottery-" + mode);
        if (button) button.addEventListener("click", () => { lastMode = mode; makeLottery({ mode: mode }); });
      });
      document.getElementById("lottery-without-banned").addEventListener("click", () =>
        makeLottery({ mode: lastMode, without_banned: true }));
    }
  }

  setBars();
  refresh();
  setInterval(() => { if (!settled) refresh(); }, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && !settled) refresh(); });
})();
