// Buttons with data-busy: once their form is sent, show that it is under way and block a second
// click (a send to a slow qBittorrent can take the whole client timeout).
(function () {
  "use strict";
  document.querySelectorAll("button[data-busy]").forEach((button) => {
    const form = button.form;
    if (!form) return;
    form.addEventListener("submit", () => {
      // The form's data is already chosen: disabling the button now does not stop the send.
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = button.dataset.busy;
    });
  });
})();
