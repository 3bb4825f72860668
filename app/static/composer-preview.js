/* The composer's live preview (campaign edit page): as she types, post the unsaved form
   into the preview frame (400 ms after the last keystroke), and switch the frame between
   desktop and phone widths (each toggle's data-preview-width: PREVIEW_WIDTHS, app/web/admin).

   Each update loads into a NEW sandboxed iframe, swapped in once loaded: the old message
   stays visible meanwhile, and the first navigation of a new frame adds no entry to the
   browser's history (the Back button keeps leaving the page). The post carries the
   form's own CSRF token; the server saves nothing. Without JavaScript the
   "Prévisualiser" button does the same post into the frame. */
(function () {
  "use strict";
  var pane = document.getElementById("composer-preview-pane");
  var form = document.getElementById("campaign-form");
  if (!pane || !form) return;
  var stage = pane.querySelector(".preview-stage");
  var status = document.getElementById("composer-preview-status");
  var toggles = pane.querySelector(".preview-devices");
  var device = "desktop";
  var latest = 0, timer = null;

  var frames = function () { return stage.querySelectorAll("iframe.composer-frame"); };

  var widthOf = function (value) {
    return toggles.querySelector('[data-preview-device="' + value + '"]').getAttribute("data-preview-width");
  };

  var setDevice = function (value) {
    device = value;
    frames().forEach(function (f) { f.classList.remove("desktop", "phone"); f.classList.add(device); f.width = widthOf(device); });
    toggles.querySelectorAll("[data-preview-device]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-preview-device") === device ? "true" : "false");
    });
  };
  toggles.hidden = false;
  toggles.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-preview-device]") : null;
    if (button) setDevice(button.getAttribute("data-preview-device"));
  });

  var url = pane.getAttribute("data-draft-url");
  if (!url) return; // a campaign that can no longer change: the saved message is shown

  var render = function () {
    latest += 1;
    var seq = latest, old = document.getElementById("composer-preview");
    var frame = document.createElement("iframe");
    frame.name = "composer-preview-" + seq;
    frame.setAttribute("sandbox", "");
    frame.title = old ? old.title : "";
    frame.className = "preview composer-frame loading " + device;
    frame.width = widthOf(device);
    stage.appendChild(frame);
    frame.addEventListener("load", function () {
      if (seq !== latest) { frame.remove(); return; } // a newer update is on its way
      frames().forEach(function (f) { if (f !== frame) f.remove(); });
      frame.classList.remove("loading");
      frame.id = "composer-preview";
      frame.setAttribute("data-seq", String(seq));
      if (status) status.textContent = pane.getAttribute("data-updated");
    });
    if (status) status.textContent = pane.getAttribute("data-updating");
    // Post the form as it stands into the new frame; its own action and target are put back at once.
    var action = form.getAttribute("action"), target = form.getAttribute("target");
    form.setAttribute("action", url);
    form.setAttribute("target", frame.name);
    HTMLFormElement.prototype.submit.call(form);
    if (action === null) form.removeAttribute("action"); else form.setAttribute("action", action);
    if (target === null) form.removeAttribute("target"); else form.setAttribute("target", target);
  };

  // With the script on, "Prévisualiser" updates in place (its target names the first frame only).
  var button = pane.querySelector("button[formtarget]");
  if (button) button.addEventListener("click", function (e) { e.preventDefault(); render(); });

  var soon = function () { clearTimeout(timer); timer = setTimeout(render, 400); };
  form.addEventListener("submit", function () { clearTimeout(timer); }); // saving: no preview post behind it
  form.addEventListener("input", soon);
  // Text fields already said "input"; their "change" on leaving the field would render the same again.
  form.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select, input[type=checkbox], input[type=radio]")) soon();
  });
})();
