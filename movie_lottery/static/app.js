// The installable app: register the service worker (/sw.js) that keeps pages for offline use
// and shows push notifications. A new deployment's worker takes over by itself.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the site works without it */ });
  });
})();
