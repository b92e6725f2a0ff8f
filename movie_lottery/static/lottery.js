// Lottery page: draw with a reel animation that lands on the server's winner; viewers
// waiting on the same link see the result appear (polling while the tab is visible).
(function () {
  "use strict";
  const root = document.getElementById("lottery");
  if (!root) return;
  const form = document.getElementById("draw-form");
  const POLL_MS = 3000;
  let finished = root.dataset.drawn === "true";

  const copy = document.getElementById("copy-link");
  if (copy) copy.addEventListener("click", () => {
    const field = document.getElementById("share-url");
    field.select();
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(() => document.execCommand("copy"));
    else document.execCommand("copy");
  });

  function posterNode(entryEl) {
    const poster = entryEl.querySelector(".poster").cloneNode(true);
    poster.removeAttribute("loading");
    return poster;
  }

  function animate(position) {
    const entries = Array.from(document.querySelectorAll("#entries .entry"));
    const wrap = document.getElementById("reel-wrap"), reel = document.getElementById("reel");
    const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (reduced || !entries.length) return Promise.resolve();
    const rounds = Math.max(4, Math.ceil(40 / entries.length));
    reel.innerHTML = "";
    // One extra round after the landing spot so the strip never ends in view.
    for (let r = 0; r <= rounds; r++) entries.forEach((el) => reel.appendChild(posterNode(el)));
    wrap.hidden = false;
    const index = entries.findIndex((el) => Number(el.dataset.position) === position);
    const target = reel.children[(rounds - 1) * entries.length + index];
    const offset = target.offsetLeft + target.offsetWidth / 2 - wrap.clientWidth / 2;
    reel.style.transition = "none";
    reel.style.transform = "translateX(0)";
    void reel.offsetWidth;
    reel.style.transition = "transform 4.5s cubic-bezier(.12,.8,.18,1)";
    reel.style.transform = "translateX(" + -offset + "px)";
    return new Promise((resolve) => setTimeout(resolve, 4700));
  }

  function reveal(body) {
    finished = true;
    const position = body.winner.position;
    document.querySelectorAll("#entries .entry").forEach((el) => el.classList.toggle("is-winner", Number(el.dataset.position) === position));
    document.getElementById("winner-title").textContent = body.winner.title + (body.winner.year ? " (" + body.winner.year + ")" : "");
    document.getElementById("result").hidden = false;
    document.getElementById("seed").textContent = body.seed;
    const snippet = document.querySelector(".snippet");
    if (snippet) snippet.textContent = snippet.textContent.replace("SEED", body.seed);
    document.getElementById("seed-block").hidden = false;
    document.querySelector(".fairness").open = true;
    if (form) form.remove();
  }

  function play(body) { return animate(body.winner.position).then(() => reveal(body)); }

  if (form) form.addEventListener("submit", (event) => {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    fetch(root.dataset.drawUrl, { method: "POST", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then(play)
      .catch(() => form.submit()); // fall back to the plain form post
  });

  function poll() {
    if (finished || document.hidden) return;
    // no-cache: the browser revalidates with If-None-Match and an unchanged lottery costs a 304.
    fetch(root.dataset.apiUrl, { headers: { Accept: "application/json" }, cache: "no-cache" })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => { if (body && body.winner && !finished) { finished = true; play(body); } })
      .catch(() => {});
  }
  if (!finished) setInterval(poll, POLL_MS);
})();
