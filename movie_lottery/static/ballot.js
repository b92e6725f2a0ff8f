// The poll page's ballot form (approval, ranked, vetoes): limits kept as you mark, ranked films
// ordered by dragging ⠿, by the ↑ ↓ buttons or by the arrow keys on ⠿ (a live region says the
// new place), and the ballot sent to the API. Without JavaScript the same form posts as it is:
// checkboxes, and a place select per ranked film, which this script keeps in step.
(function () {
  "use strict";
  const root = document.getElementById("poll");
  const form = document.getElementById("ballot-form");
  if (!root || !form) return;
  const kind = form.dataset.ballot;
  const ranking = document.getElementById("ranking");
  const unranked = document.getElementById("unranked");
  const live = document.getElementById("rank-live");
  const error = document.getElementById("ballot-error");
  const status = document.getElementById("ballot-status");
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));

  form.querySelectorAll(".js-only").forEach((el) => { el.hidden = false; });
  form.querySelectorAll(".no-js").forEach((el) => { el.hidden = true; });

  // -- limits: vetoes left, approvals marked ---------------------------------------------
  function limit(name, max, counter) {
    const boxes = Array.from(form.querySelectorAll('input[name="' + name + '"]'));
    const update = () => {
      const used = boxes.filter((box) => box.checked).length;
      if (counter) counter(used);
      const closed = root.dataset.closed === "true";
      if (max) boxes.forEach((box) => { box.disabled = closed || (!box.checked && used >= max); });
    };
    boxes.forEach((box) => box.addEventListener("change", update));
    update();
  }
  const vetoes = Number(form.dataset.vetoes || 0);
  if (vetoes) limit("vetoes", vetoes, (used) => { document.getElementById("vetoes-left").textContent = vetoes - used; });
  if (kind === "approval") {
    limit("entry_ids", Number(form.dataset.maxApprovals || 0), (used) => { document.getElementById("marks-used").textContent = used; });
  }

  // -- ranked: the order ------------------------------------------------------------------
  function sync() {
    Array.from(ranking.children).forEach((li, index) => {
      li.querySelector(".rank-place").textContent = (index + 1) + ". ";
      li.querySelector("select").value = String(index + 1);
    });
    Array.from(unranked.children).forEach((li) => {
      li.querySelector(".rank-place").textContent = "";
      li.querySelector("select").value = "";
    });
    document.getElementById("ranking-empty").hidden = ranking.children.length > 0;
  }

  function announce(li) {
    const place = Array.from(ranking.children).indexOf(li) + 1;
    const title = li.dataset.title;
    live.textContent = place ? fill(form.dataset.msgPlace, { film: title, n: place }) : fill(form.dataset.msgRemoved, { film: title });
  }

  function moveTo(li, index) {
    const items = Array.from(ranking.children);
    const from = items.indexOf(li);
    const to = Math.max(0, Math.min(items.length - 1, index));
    if (from < 0 || from === to) return false;
    ranking.insertBefore(li, items[to + (to > from ? 1 : 0)] || null);
    sync();
    announce(li);
    return true;
  }

  function add(li) {
    ranking.appendChild(li);
    sync();
    announce(li);
  }

  function remove(li) {
    // back among the unranked films, in the poll's order
    const position = (item) => Number(item.dataset.position);
    const next = Array.from(unranked.children).find((other) => position(other) > position(li));
    unranked.insertBefore(li, next || null);
    sync();
    announce(li);
  }

  if (ranking) {
    sync();
    form.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      const li = button && button.closest(".rank-item");
      if (!li || button.disabled) return;
      const index = Array.from(ranking.children).indexOf(li);
      if (button.classList.contains("rank-up")) { moveTo(li, index - 1); button.focus(); }
      else if (button.classList.contains("rank-down")) { moveTo(li, index + 1); button.focus(); }
      else if (button.classList.contains("rank-add")) {
        const following = li.nextElementSibling || li.previousElementSibling;
        add(li);
        (following ? following.querySelector(".rank-add") : li.querySelector(".rank-handle")).focus();
      } else if (button.classList.contains("rank-remove")) {
        remove(li);
        li.querySelector(".rank-add").focus();
      }
    });
    form.addEventListener("keydown", (event) => {
      const handle = event.target.closest(".rank-handle");
      const li = handle && handle.closest("#ranking .rank-item");
      if (!li) return;
      const index = Array.from(ranking.children).indexOf(li);
      const to = { ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: ranking.children.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      moveTo(li, to);
      handle.focus();
    });
    // Dragging by ⠿ with a finger or a mouse: Pointer Events, listened to on the document so
    // the moves survive the item being re-inserted under the finger.
    form.addEventListener("pointerdown", (event) => {
      const handle = event.target.closest("#ranking .rank-handle");
      if (!handle || handle.disabled || event.button > 0) return;
      event.preventDefault();
      const li = handle.closest(".rank-item");
      li.classList.add("is-dragging");
      const move = (e) => {
        const edge = 60; // near the screen's top or bottom the page scrolls along
        if (e.clientY < edge) window.scrollBy(0, -20);
        else if (e.clientY > window.innerHeight - edge) window.scrollBy(0, 20);
        const under = document.elementFromPoint(e.clientX, e.clientY);
        const target = under && under.closest("#ranking .rank-item");
        if (!target || target === li) return;
        const box = target.getBoundingClientRect();
        ranking.insertBefore(li, e.clientY < box.top + box.height / 2 ? target : target.nextElementSibling);
        sync();
      };
      const end = () => {
        li.classList.remove("is-dragging");
        document.removeEventListener("pointermove", move);
        document.removeEventListener("pointerup", end);
        document.removeEventListener("pointercancel", end);
        announce(li);
        handle.focus();
      };
      document.addEventListener("pointermove", move);
      document.addEventListener("pointerup", end);
      document.addEventListener("pointercancel", end);
    });
  }

  // -- sending ----------------------------------------------------------------------------
  function body() {
    const checked = (name) => Array.from(form.querySelectorAll('input[name="' + name + '"]:checked')).map((box) => Number(box.value));
    const ballot = { vetoes: checked("vetoes") };
    if (kind === "approval") ballot.entry_ids = checked("entry_ids");
    else if (kind === "ranked") ballot.ranking = Array.from(ranking.children).map((li) => Number(li.dataset.entryId));
    else ballot.entry_id = checked("entry_id")[0] || 0;
    return ballot;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const submit = document.getElementById("ballot-submit");
    submit.disabled = true;
    error.hidden = true;
    status.textContent = "";
    fetch(root.dataset.voteUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": document.documentElement.lang },
      body: JSON.stringify(body()),
    })
      .then((r) => r.json().catch(() => ({})).then((answer) => {
        if (r.ok) {
          status.textContent = form.dataset.msgSaved;
          root.dispatchEvent(new CustomEvent("poll:body", { detail: answer }));
          return;
        }
        if (r.status !== 422 && r.status !== 410) throw new Error(String(r.status));
        error.textContent = (answer.error && answer.error.message) || form.dataset.msgFailed;
        error.hidden = false;
        if (r.status === 410) fetch(root.dataset.apiUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
          .then((again) => again.json()).then((poll) => root.dispatchEvent(new CustomEvent("poll:body", { detail: poll }))).catch(() => {});
      }))
      .catch(() => form.submit()) // the plain form post answers in the page's language
      .finally(() => { submit.disabled = root.dataset.closed === "true"; });
  });
})();
