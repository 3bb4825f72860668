// The admin sidebar becomes a "Menu" button on tablets and phones (below 1024 px).
// Without JavaScript the navigation simply stays shown above the page.
(function () {
  "use strict";
  var button = document.querySelector(".nav-toggle");
  var nav = document.getElementById("admin-nav");
  if (!button || !nav) return;
  var narrow = window.matchMedia("(max-width: 1024px)");
  function apply() {
    button.hidden = !narrow.matches;
    var open = !narrow.matches || button.getAttribute("aria-expanded") === "true";
    nav.classList.toggle("collapsed", !open);
  }
  button.addEventListener("click", function () {
    button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
    apply();
  });
  narrow.addEventListener("change", apply);
  apply();
})();
