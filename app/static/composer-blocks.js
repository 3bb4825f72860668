/* The composer's blocks without page reloads (campaign edit page).

   "↑ Monter" / "↓ Descendre" post the form to the same address as without JavaScript (the
   server saves the order and answers with the page), then only the blocks card is swapped
   for the server's: no reload, the scroll position kept, focus on the moved block's same
   button. Any failure falls back to the ordinary form post. The image tools ("Ajouter une
   image") remember the block the author was last in, so an uploaded image lands there. */
(function () {
  "use strict";
  var form = document.getElementById("campaign-form");
  if (!form || !window.fetch || !window.DOMParser) return;
  var section = form.querySelector("section.blocks");
  if (!section) return;
  var busy = false;

  var blockIndex = function (el) {
    var block = el && el.closest ? el.closest("fieldset.block[data-block-index]") : null;
    return block ? parseInt(block.getAttribute("data-block-index"), 10) : null;
  };

  // Where the author is: the image form's "at" follows the last block she was in.
  var at = document.getElementById("media-at");
  form.addEventListener("focusin", function (e) {
    var i = blockIndex(e.target);
    if (at && i !== null && at.querySelector('option[value="' + (i + 1) + '"]')) at.value = String(i + 1);
  });

  var fallback = function (button) {
    busy = false;
    button.setAttribute("data-no-fetch", "1");
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  };

  section.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest('button[name="action"]') : null;
    if (!button || button.hasAttribute("data-no-fetch")) return;
    var value = button.value, match = /^(up|down):(\d+)$/.exec(value);
    if (!match) return;
    e.preventDefault();
    if (busy) return;
    busy = true;
    var data = new FormData(form);
    data.set("action", value);
    var target = parseInt(match[2], 10) + (match[1] === "up" ? -1 : 1);
    fetch(form.getAttribute("action") || window.location.pathname, {
      method: "POST", body: data, credentials: "same-origin", headers: {"Accept": "text/html"}
    }).then(function (r) {
      if (!r.ok || r.url.indexOf("/edit") < 0) throw new Error("unexpected answer " + r.status);
      return r.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.querySelector("#campaign-form section.blocks");
      if (!fresh) throw new Error("no blocks in the answer");
      section.innerHTML = fresh.innerHTML;
      var images = document.getElementById("campaign-images"), freshImages = page.getElementById("campaign-images");
      if (images && freshImages) { images.innerHTML = freshImages.innerHTML; at = document.getElementById("media-at"); }
      var moved = section.querySelector("#block-" + target);
      if (moved) {
        moved.classList.add("moved");
        var same = moved.querySelector('button[value="' + match[1] + ":" + target + '"]:not([disabled])') ||
          moved.querySelector('button[value^="' + (match[1] === "up" ? "down" : "up") + ':"]');
        if (same) same.focus({preventScroll: false});
        setTimeout(function () { moved.classList.remove("moved"); }, 1200);
      }
      var status = document.getElementById("blocks-status");
      if (status) status.textContent = status.getAttribute("data-moved");
      form.dispatchEvent(new Event("input", {bubbles: true})); // the live preview follows
      busy = false;
    }).catch(function () { fallback(button); });
  });
})();
