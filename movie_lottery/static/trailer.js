// The film page's trailer: a poster with a play button until the visitor clicks; only then is
// the YouTube player (youtube-nocookie.com, the one frame the page's CSP allows) loaded.
(function () {
  "use strict";
  const box = document.getElementById("trailer");
  const play = document.getElementById("trailer-play");
  if (!box || !play) return;
  play.addEventListener("click", function () {
    const embed = box.dataset.embed || "";
    if (!/^https:\/\/www\.youtube-nocookie\.com\/embed\/[A-Za-z0-9_-]{11}$/.test(embed)) return;
    const frame = document.createElement("iframe");
    frame.src = embed + "?autoplay=1";
    frame.title = play.getAttribute("aria-label") || "Trailer";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.allowFullscreen = true;
    frame.id = "trailer-frame";
    box.replaceChildren(frame);
    frame.focus();
  });
})();
