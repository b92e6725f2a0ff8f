// On a phone the header's links scroll sideways; fade the edge that hides more links, so
// visitors see there is more (the library, stats, the language switch) to swipe to.
(function () {
  "use strict";
  const nav = document.querySelector(".topbar nav");
  if (!nav) return;
  function mark() {
    const hidden = nav.scrollWidth - nav.clientWidth;
    nav.classList.toggle("more-left", hidden > 1 && nav.scrollLeft > 1);
    nav.classList.toggle("more-right", hidden > 1 && nav.scrollLeft < hidden - 1);
  }
  nav.addEventListener("scroll", mark, { passive: true });
  window.addEventListener("resize", mark);
  mark();
})();
