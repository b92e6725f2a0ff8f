// <time class="local-time" datetime="…"> comes from the server in UTC; show it in the
// visitor's time zone, formatted for the page's language; .visitor-zone names that zone.
(function () {
  "use strict";
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
  document.querySelectorAll("time.local-time[datetime]").forEach((el) => {
    const when = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) return;
    el.title = el.textContent.trim();  // the UTC time stays at hand
    el.textContent = format.format(when);
  });
  // "Times are in your zone": the zone's name where the page says so.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) {
    document.querySelectorAll(".visitor-zone").forEach((el) => { el.textContent = " (" + zone + ")"; });
    document.querySelectorAll(".visitor-zone-note").forEach((el) => { el.hidden = false; });
  }
})();
