// Admin library: live "on client" badges and progress, polling /api/torrents while visible.
(function () {
  "use strict";
  const items = document.querySelectorAll(".torrent[data-info-hash]");
  if (!items.length) return;
  const banner = document.getElementById("qbit-banner");
  const POLL_MS = 5000;

  function render(body) {
    if (banner) banner.hidden = body.qbittorrent !== "degraded";
    items.forEach((el) => {
      const status = body.torrents[el.dataset.infoHash];
      if (!status) return;
      const badge = el.querySelector(".torrent-badge");
      const progress = status.progress || 0;
      badge.textContent = status.label;  // worded by the server, in the page's language
      badge.classList.toggle("on-client", status.on_client === true);
      el.querySelector("progress").value = progress;
    });
  }

  function poll() {
    if (document.hidden) return;
    fetch("/api/torrents", { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => { if (body) render(body); })
      .catch(() => { if (banner) banner.hidden = false; });
  }
  poll();
  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
})();
