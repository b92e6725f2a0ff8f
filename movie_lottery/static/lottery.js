// Lottery page: draw with a reel animation that lands on the server's winner; viewers
// waiting on the same link see the result appear (polling while the tab is visible).
// One state machine, so a result is played once: idle → drawing → shown. In eliminate
// mode the reel spins once per round and the film it lands on drops out; the last one wins.
(function () {
  "use strict";
  const root = document.getElementById("lottery");
  if (!root) return;
  const form = document.getElementById("draw-form");
  const POLL_MS = 3000;
  const COPIED_MS = 2000;
  let state = root.dataset.drawn === "true" ? "shown" : "idle";

  const copy = document.getElementById("copy-link");
  if (copy) {
    const label = copy.textContent, status = document.getElementById("copy-status");
    let resetTimer = null;
    const copied = () => {
      copy.textContent = status.textContent = copy.dataset.copied;
      copy.classList.add("is-done");
      clearTimeout(resetTimer);
      resetTimer = setTimeout(() => { copy.textContent = label; status.textContent = ""; copy.classList.remove("is-done"); }, COPIED_MS);
    };
    copy.addEventListener("click", () => {
      const field = document.getElementById("share-url");
      field.select();
      const fallback = () => { if (document.execCommand("copy")) copied(); };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(copied, fallback);
      else fallback();
    });
  }

  function posterNode(entryEl) {
    const poster = entryEl.querySelector(".poster").cloneNode(true);
    poster.removeAttribute("loading");
    return poster;
  }

  function entryAt(position) {
    return Array.from(document.querySelectorAll("#entries .entry")).find((el) => Number(el.dataset.position) === position);
  }

  const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const inPlay = () => Array.from(document.querySelectorAll("#entries .entry:not(.is-out)"));

  // Spins the reel over the films still in play to the one at `position`; resolves when it has stopped.
  function animate(position, seconds) {
    const entries = inPlay();
    const wrap = document.getElementById("reel-wrap"), reel = document.getElementById("reel");
    if (reducedMotion() || !entries.length) return Promise.resolve();
    const rounds = Math.max(4, Math.ceil(40 / entries.length));
    reel.innerHTML = "";
    // One extra round after the landing spot so the strip never ends in view.
    for (let r = 0; r <= rounds; r++) entries.forEach((el) => reel.appendChild(posterNode(el)));
    wrap.hidden = false;
    const index = entries.indexOf(entryAt(position));
    const target = reel.children[(rounds - 1) * entries.length + index];
    const offset = target.offsetLeft + target.offsetWidth / 2 - wrap.clientWidth / 2;
    reel.style.transition = "none";
    reel.style.transform = "translateX(0)";
    void reel.offsetWidth;
    root.dataset.reelStarts = String(Number(root.dataset.reelStarts || 0) + 1);
    root.dispatchEvent(new CustomEvent("reel-start", { bubbles: true }));
    reel.style.transition = "transform " + seconds + "s cubic-bezier(.12,.8,.18,1)";
    reel.style.transform = "translateX(" + -offset + "px)";
    return new Promise((resolve) => {
      const done = () => { clearTimeout(fallback); reel.removeEventListener("transitionend", onEnd); resolve(); };
      const onEnd = (event) => { if (event.target === reel) done(); };
      reel.addEventListener("transitionend", onEnd);
      const fallback = setTimeout(done, seconds * 1000 + 2500); // a tab that stops rendering may never end the transition
    });
  }

  // Eliminate mode: one film drops out per round, in the order the server's draw gives.
  function eliminate(position, round) {
    const el = entryAt(position);
    if (el) el.classList.add("is-out");
    const list = document.getElementById("eliminations");
    if (!list || !el) return;
    const line = document.createElement("li");
    line.dataset.position = String(position);
    line.textContent = list.dataset.roundText.replace("{k}", String(round)).replace("{title}", el.querySelector(".entry-name").textContent);
    list.appendChild(line);
    list.hidden = false;
  }

  function playEliminations(eliminated) {
    const list = document.getElementById("eliminations");
    if (list) list.innerHTML = "";
    const seconds = reducedMotion() ? 0 : 2;
    return eliminated.reduce(
      (done, position, index) => done.then(() => animate(position, seconds)).then(() => eliminate(position, index + 1)),
      Promise.resolve(),
    );
  }

  function reveal(body) {
    const position = body.winner.position;
    document.querySelectorAll("#entries .entry").forEach((el) => el.classList.toggle("is-winner", Number(el.dataset.position) === position));
    const winnerEntry = entryAt(position);
    const posterBox = document.getElementById("winner-poster");
    posterBox.innerHTML = "";
    if (winnerEntry) posterBox.appendChild(posterNode(winnerEntry));
    document.getElementById("winner-title").textContent = body.winner.title + (body.winner.year ? " (" + body.winner.year + ")" : "");
    document.getElementById("reel-wrap").hidden = true; // the winner card shows the poster once
    document.getElementById("result").hidden = false;
    const heading = document.getElementById("winner-heading");
    document.getElementById("winner-announcement").textContent = heading.textContent.trim();
    heading.focus(); // keyboard and screen reader users land on the result, not on <body>
    document.getElementById("seed").textContent = body.seed;
    const snippet = document.querySelector(".snippet");
    if (snippet) snippet.textContent = snippet.textContent.replace("SEED", body.seed);
    document.getElementById("seed-block").hidden = false;
    document.querySelector(".fairness").open = true;
    if (form) form.remove();
    state = "shown";
  }

  // Whoever moves the page from idle to drawing owns the show; everyone else (the poll
  // during our own draw, a second click) sees a state that is not idle and does nothing.
  function startDrawing() {
    if (state !== "idle") return false;
    state = "drawing";
    return true;
  }

  function play(body) {
    if (body.mode === "eliminate") return playEliminations(body.eliminated || []).then(() => reveal(body));
    return animate(body.winner.position, 4.5).then(() => reveal(body));
  }

  if (form) form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!startDrawing()) return;
    form.querySelector("button").disabled = true;
    fetch(root.dataset.drawUrl, { method: "POST", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then(play)
      .catch((r) => (r && r.status === 404 ? gone() : form.submit())); // else fall back to the plain form post
  });

  // An admin deleted the lottery while the page was open: say so and stop asking.
  function gone() {
    state = "gone";
    const waiting = document.getElementById("waiting");
    if (waiting) waiting.textContent = waiting.dataset.goneText;
    if (form) form.querySelector("button").disabled = true;
  }

  function poll() {
    if (state !== "idle" || document.hidden) return;
    // no-cache: the browser revalidates with If-None-Match and an unchanged lottery costs a 304.
    fetch(root.dataset.apiUrl, { headers: { Accept: "application/json" }, cache: "no-cache" })
      .then((r) => {
        if (r.status === 404) gone();
        return r.ok ? r.json() : null;
      })
      .then((body) => { if (body && body.winner && startDrawing()) play(body); })
      .catch(() => {});
  }
  if (state === "idle") setInterval(poll, POLL_MS);
})();
