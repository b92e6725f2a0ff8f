// «Уведомления»: subscribe this device to Web Push with the chosen topics, change them, or
// unsubscribe; remove other devices of the visitor. The API is /api/push (see /api/openapi.json).
(function () {
  "use strict";
  const form = document.getElementById("push-form");
  if (!form) return;
  const status = document.getElementById("push-status");
  const offButton = document.getElementById("push-unsubscribe");
  const say = (key) => { status.textContent = status.dataset[key] || ""; };
  const chosen = () => Array.from(form.querySelectorAll('input[name="topic"]:checked'), (box) => box.value);
  let current = null; // {id, subscription} of this device, once known

  function api(method, path, body) {
    return fetch("/api/push" + path, {
      method: method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).then((response) => {
      if (!response.ok && response.status !== 204) throw new Error("HTTP " + response.status);
      return response.status === 204 ? null : response.json();
    });
  }

  function keyBytes(base64url) {
    const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function showDevice(subscription) {
    const row = Array.from(document.querySelectorAll("#push-devices li"))
      .find((li) => li.dataset.endpoint === subscription.endpoint);
    if (!row) return;
    current = { id: row.dataset.subscription, subscription: subscription };
    const topics = row.dataset.topics.split(" ");
    form.querySelectorAll('input[name="topic"]').forEach((box) => { box.checked = topics.includes(box.value); });
    offButton.hidden = false;
    say("subscribed");
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    return;
  }
  if (Notification.permission === "denied") say("denied");
  const ready = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready);
  ready.then((registration) => registration.pushManager.getSubscription())
    .then((subscription) => { if (subscription) showDevice(subscription); })
    .catch(() => {});

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    Notification.requestPermission()
      .then((permission) => {
        if (permission !== "granted") throw new Error("denied");
        return Promise.all([ready, api("GET", "/key")]);
      })
      .then(([registration, key]) => registration.pushManager.getSubscription().then((existing) =>
        existing || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) })))
      .then((subscription) => api("POST", "/subscriptions", Object.assign(subscription.toJSON(), { topics: chosen() })))
      .then(() => { say("saved"); window.location.reload(); })
      .catch((error) => say(error.message === "denied" ? "denied" : "failed"));
  });

  offButton.addEventListener("click", () => {
    if (!current) return;
    api("DELETE", "/subscriptions/" + current.id)
      .then(() => current.subscription.unsubscribe())
      .then(() => { say("off"); window.location.reload(); })
      .catch(() => say("failed"));
  });

  document.querySelectorAll(".push-remove").forEach((button) => {
    button.addEventListener("click", () => {
      api("DELETE", "/subscriptions/" + button.dataset.id)
        .then(() => window.location.reload())
        .catch(() => say("failed"));
    });
  });
})();
