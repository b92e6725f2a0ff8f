// The installable app: register the service worker (/sw.js) that keeps pages for offline use
// and shows push notifications. A new deployment's worker takes over by itself.
// A form cannot be sent from a kept copy (the service worker's, shown under the «нет сети»
// banner: its CSRF token is blank) nor without a network: the page says «нет связи» instead of
// leaving the visitor on the browser's error page. Scripts that send answers themselves call
// window.showOfflineNote() when their request finds no network.
(function () {
  "use strict";
  window.showOfflineNote = function () {
    const note = document.querySelector("[data-offline-note]");
    if (!note) return;
    note.hidden = false;
    note.focus();
  };
  document.addEventListener("submit", function (event) {
    const banner = document.querySelector("[data-offline-banner]");
    const keptCopy = Boolean(banner && !banner.hidden);
    if (event.target.method !== "post" || !(keptCopy || navigator.onLine === false)) return;
    event.preventDefault();
    event.stopPropagation(); // in the capture phase: the form's own script never sees it
    window.showOfflineNote();
  }, true);

  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the site works without it */ });
  });
})();
