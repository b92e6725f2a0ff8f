// Movie nights: times typed in the visitor's zone (its IANA name goes with the form, and the
// server gives each time that zone's offset on its own date), the manage link's key taken from
// the address fragment, and live answers: the page polls a small JSON with If-None-Match, so an
// unchanged night costs the server one row read and a 304.
(function () {
  "use strict";
  const POLL_MS = 4000;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) document.querySelectorAll("input.visitor-zone-field").forEach((input) => { input.value = zone; });

  const claim = document.getElementById("claim-form");
  if (claim && window.location.hash.length > 1) {
    document.getElementById("claim-token").value = decodeURIComponent(window.location.hash.slice(1));
    history.replaceState(null, "", window.location.pathname);
    claim.submit();
    return;
  }

  // A name typed above the date poll goes with the marked times too.
  const nameField = document.getElementById("rsvp-name");
  document.querySelectorAll("input.name-copy").forEach((copy) => {
    copy.form.addEventListener("submit", () => { copy.value = nameField ? nameField.value : ""; });
  });

  const root = document.getElementById("night");
  if (!root || root.dataset.live !== "true") return;
  let etag = null;

  function render(body) {
    if (body.status !== "planning" && body.status !== "scheduled") { window.location.reload(); return; }
    ["going", "maybe", "no"].forEach((key) => {
      document.getElementById("count-" + key).textContent = body.rsvp_counts[key];
      document.getElementById("names-" + key).textContent = body.rsvp[key].join(", ");
    });
    body.date_options.forEach((option) => {
      const row = root.querySelector('.date-option-row[data-option-id="' + option.id + '"]');
      if (!row) return;
      row.querySelector(".count").textContent = option.count;
      row.querySelector(".names").textContent = option.members.join(", ");
      row.classList.toggle("is-best", body.best_option_ids.includes(option.id));
    });
  }

  function refresh() {
    if (document.hidden) return;
    const headers = etag ? { "If-None-Match": etag } : {};
    fetch(root.dataset.apiUrl, { headers: headers, credentials: "same-origin" }).then((response) => {
      if (response.status === 304 || !response.ok) return null;
      etag = response.headers.get("ETag");
      return response.json();
    }).then((body) => { if (body) render(body); }).catch(() => {});
  }
  setInterval(refresh, POLL_MS);
  document.addEventListener("visibilitychange", refresh);
})();
