/* The admin's progressive enhancements, in one static file so the Content-Security-Policy
   can forbid inline script (script-src 'self'). Each behaviour keys on data attributes. */
(function () {
  "use strict";

  // <select data-autosubmit>: submit the form on change (campaign status filter).
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[data-autosubmit]") && e.target.form) e.target.form.submit();
  });

  // <form data-confirm="question">: ask before submitting (closing a cycle, erasing…).
  document.addEventListener("submit", function (e) {
    var question = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) e.preventDefault();
  });

  // <form data-submit-on-load>: the page's action is to submit it once (the check-in link a QR code opens).
  // At the door the network comes and goes: the POST is retried (1, 2, 4, 8… s) until the server answers,
  // which is safe because the server marks a person once whatever it receives (a second POST says
  // "already"). The answer {outcome} then opens the page with ?r=outcome; the server shows it only if true.
  document.querySelectorAll("form[data-submit-on-load]").forEach(function (form) {
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    if (!window.fetch || !window.FormData) { form.submit(); return; }
    var status = form.querySelector("[data-retry-status]");
    var attempt = 0;
    var send = function () {
      attempt += 1;
      fetch(form.action || window.location.href, {method: "POST", body: new FormData(form), credentials: "same-origin",
                                                  headers: {"Accept": "application/json"}})
        .then(function (r) {
          if (r.status >= 500) throw new Error("server " + r.status);
          // An expired form or login (fetch followed the redirect to the login page): the page says so itself.
          if (!r.ok || r.redirected || (r.headers.get("Content-Type") || "").indexOf("json") < 0) {
            form.submit(); return null;
          }
          return r.json();
        })
        .then(function (answer) {
          if (!answer) return;
          var url = new URL(window.location.href);
          url.searchParams.set("r", answer.outcome);
          window.location.replace(url.toString());
        })
        .catch(function () {
          var wait = Math.min(8, Math.pow(2, attempt - 1));
          if (status) status.textContent = status.getAttribute("data-retry-status").replace("{s}", wait);
          if (attempt >= 12) { buttons.forEach(function (b) { b.disabled = false; }); return; }
          setTimeout(send, wait * 1000);
        });
    };
    send();
  });

  if (!window.fetch) return;

  // Import job page: poll the job's JSON while it runs, reload when finished.
  var box = document.getElementById("import-progress");
  if (box && box.dataset.finished === "false") {
    var bar = box.querySelector("progress");
    var pollImport = function () {
      fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
        bar.value = s.percent;
        box.querySelector("[data-bytes]").textContent = s.bytes_done.toLocaleString("fr-FR") + " / " + s.bytes_total.toLocaleString("fr-FR");
        if (s.finished) { window.location.reload(); } else { setTimeout(pollImport, 1000); }
      }).catch(function () { setTimeout(pollImport, 3000); });
    };
    setTimeout(pollImport, 1000);
  }

  // Campaign composer: refresh the recipient count as lists and segment change.
  var form = document.getElementById("campaign-form"), out = document.getElementById("audience-count");
  if (form && out && out.dataset.url) {
    var refresh = function () {
      var params = new URLSearchParams();
      form.querySelectorAll("input[name=lists]:checked").forEach(function (el) { params.append("lists", el.value); });
      [["segment_function", "function"], ["segment_commune", "commune"], ["segment_organisation", "organisation"]].forEach(function (p) {
        var el = form.querySelector("[name=" + p[0] + "]"); if (el && el.value) params.append(p[1], el.value);
      });
      var event = form.querySelector("[name=event]"); if (event && event.value) params.append("event", event.value);
      fetch(out.dataset.url + "?" + params.toString(), {credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (data) { out.textContent = data.count.toLocaleString("fr-FR"); });
    };
    var timer = null;
    form.addEventListener("change", function (e) { if (e.target.hasAttribute("data-audience")) refresh(); });
    form.addEventListener("input", function (e) { if (e.target.hasAttribute("data-audience")) { clearTimeout(timer); timer = setTimeout(refresh, 300); } });
  }

  // Sending progress: while the campaign is sending, refresh the progress fragment every 2 s.
  if (document.getElementById("sending-progress") && document.querySelector("[data-poll-sending]")) {
    var tick = function () {
      var progress = document.getElementById("sending-progress");
      if (!progress || progress.getAttribute("data-status") !== "sending") return;
      fetch(progress.getAttribute("data-fragment-url"), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var tpl = document.createElement("template"); tpl.innerHTML = html.trim();
          var fresh = tpl.content.querySelector("#sending-progress");
          if (fresh) { progress.replaceWith(fresh); }
          setTimeout(tick, 2000);
        }, function () { setTimeout(tick, 4000); });
    };
    setTimeout(tick, 2000);
  }
})();
