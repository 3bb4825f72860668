/* Check-in by camera (admin, /admin/events/<id>/presence/camera): the phone's camera reads the QR code of
   a participant's confirmation or reminder, in the browser, with no app and no other login than the
   officer's admin session.

   The QR code holds the person's check-in address (…/admin/presence/<signed token>); this page takes the
   token from it whatever the host, and posts the check-in exactly as that page does (same CSRF token,
   same answer {outcome, name}; retried when the network drops, and marking twice changes nothing).
   Decoding: the browser's BarcodeDetector where it reads QR codes, else jsQR (vendor/jsqr, Apache-2.0).
   Someone not on the journée's list opens that page, which asks before recording a walk-in. Without a
   camera (or without script) the typed code below does the same. */
(function () {
  "use strict";
  var box = document.getElementById("camera-scanner");
  if (!box || !window.fetch || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  box.hidden = false;
  var video = document.getElementById("camera-video"), canvas = document.getElementById("camera-canvas");
  var result = document.getElementById("camera-result"), start = document.getElementById("camera-start");
  var prefix = box.getAttribute("data-checkin-prefix");
  var TOKEN = /\/admin\/presence\/([A-Za-z0-9_.\-]+)/;
  var detector = null, busy = false, recent = {};

  var say = function (key, name, kind) {
    result.textContent = (box.getAttribute("data-" + key) || "").replace("{name}", name || "");
    result.className = "presence-result" + (kind ? " presence-" + kind : "");
  };

  var tokenOf = function (text) {
    var match = TOKEN.exec(text || "");
    return match ? match[1] : null;
  };

  var checkIn = function (token, attempt) {
    var data = new FormData();
    data.append("csrf_token", box.getAttribute("data-csrf"));
    return fetch(prefix + token, {method: "POST", body: data, credentials: "same-origin",
                                  headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 404) { say("unknown", "", "error"); return null; }
        if (r.status >= 500) throw new Error("server " + r.status);
        if (r.redirected || (r.headers.get("Content-Type") || "").indexOf("json") < 0) {
          window.location.href = r.url; return null; // the login page, an expired form: let the page say it
        }
        return r.json();
      })
      .then(function (answer) {
        if (!answer) return;
        if (answer.outcome === "done") say("done", answer.name, "done");
        else if (answer.outcome === "already") say("already", answer.name, "already");
        else if (answer.outcome === "walk-in") window.location.href = prefix + token; // asks first
        else say("none", "", "error");
      })
      .catch(function () {
        say("offline", "", "error");
        var wait = Math.min(8, Math.pow(2, attempt));
        return new Promise(function (ok) { setTimeout(ok, wait * 1000); })
          .then(function () { return attempt < 10 ? checkIn(token, attempt + 1) : null; });
      });
  };

  var found = function (text) {
    var token = tokenOf(text), now = Date.now();
    if (!token) { say("unknown", "", "error"); return Promise.resolve(); }
    if (recent[token] && now - recent[token] < 5000) return Promise.resolve(); // still in front of the lens
    recent[token] = now;
    return checkIn(token, 0);
  };

  var decode = function () {
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    }
    var width = Math.min(video.videoWidth, 800), height = Math.round(video.videoHeight * width / video.videoWidth);
    if (!width || !height || !window.jsQR) return Promise.resolve(null);
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(video, 0, 0, width, height);
    var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                           {inversionAttempts: "dontInvert"});
    return Promise.resolve(code ? code.data : null);
  };

  var loop = function () {
    if (busy || video.readyState < 2) { setTimeout(loop, 150); return; }
    busy = true;
    decode().then(function (text) { return text ? found(text) : null; })
      .catch(function () { return null; })
      .then(function () { busy = false; setTimeout(loop, 150); });
  };

  var chooseDecoder = function () {
    if (!("BarcodeDetector" in window) || !window.BarcodeDetector.getSupportedFormats) return Promise.resolve();
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({formats: ["qr_code"]});
    }).catch(function () { detector = null; });
  };

  start.addEventListener("click", function () {
    start.disabled = true;
    navigator.mediaDevices.getUserMedia({video: {facingMode: {ideal: "environment"}}, audio: false})
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        start.hidden = true;
        return video.play().then(chooseDecoder);
      })
      .then(function () {
        box.setAttribute("data-decoder", detector ? "barcode-detector" : "jsqr");
        say("reading");
        loop();
      })
      .catch(function () { start.disabled = false; say("no-camera", "", "error"); });
  });
})();
