// A poster that fails to load shows the site's blank poster (with the film's title), not the
// browser's broken-image icon. One capture-phase listener: `error` does not bubble, and the
// CSP forbids inline onerror handlers.
(function () {
  "use strict";
  function replaceBroken(img) {
    if (img.closest(".backdrop")) { img.remove(); return; }
    if (!img.matches(".poster, .thumb, .suggestions img")) return;
    const blank = document.createElement("div");
    blank.className = img.className + " poster-blank";
    if (img.alt) {
      blank.setAttribute("aria-label", img.alt);
      const label = document.createElement("span");
      label.textContent = img.alt;
      blank.appendChild(label);
    }
    img.replaceWith(blank);
  }

  document.addEventListener("error", (event) => {
    if (event.target instanceof HTMLImageElement) replaceBroken(event.target);
  }, true);
  // Images that failed before this (deferred) script ran.
  document.querySelectorAll("img").forEach((img) => {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) replaceBroken(img);
  });
})();
