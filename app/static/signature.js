// "Faire signer" on the check-in page: a drawing pad (pointer events: finger, pen or mouse) whose strokes
// are posted as SVG path data ("M x y L x y …") in a 300 × 80 box, the attendance sheet's viewBox.
(function () {
  "use strict";
  var box = document.querySelector("[data-signature]");
  if (!box) return;
  var canvas = box.querySelector("canvas");
  var field = box.querySelector("[data-signature-field]");
  var form = field && field.form;
  var empty = box.querySelector("[data-signature-empty]");
  if (!canvas || !canvas.getContext || !form || !window.PointerEvent) return;
  box.hidden = false;

  var WIDTH = 300, HEIGHT = 80;
  var ctx = canvas.getContext("2d");
  var strokes = [], current = null;

  function fit() {
    // Draw at the screen's resolution; the path stays in the 300 × 80 box whatever the size.
    var ratio = window.devicePixelRatio || 1, rect = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(rect.width * ratio));
    canvas.height = Math.max(1, Math.round(rect.height * ratio));
    redraw();
  }

  function redraw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = Math.max(2, canvas.width / 200);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    var sx = canvas.width / WIDTH, sy = canvas.height / HEIGHT;
    strokes.forEach(function (points) {
      ctx.beginPath();
      points.forEach(function (p, i) {
        if (i === 0) { ctx.moveTo(p[0] * sx, p[1] * sy); } else { ctx.lineTo(p[0] * sx, p[1] * sy); }
      });
      if (points.length === 1) ctx.lineTo(points[0][0] * sx + 0.5, points[0][1] * sy);
      ctx.stroke();
    });
  }

  function point(e) {
    var rect = canvas.getBoundingClientRect();
    var x = (e.clientX - rect.left) / rect.width * WIDTH, y = (e.clientY - rect.top) / rect.height * HEIGHT;
    return [Math.round(Math.min(Math.max(x, 0), WIDTH) * 10) / 10, Math.round(Math.min(Math.max(y, 0), HEIGHT) * 10) / 10];
  }

  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
    current = [point(e)];
    strokes.push(current);
    if (empty) empty.hidden = true;
    redraw();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!current) return;
    e.preventDefault();
    var p = point(e), last = current[current.length - 1];
    if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 0.8) return;  // fewer points, same drawing
    current.push(p);
    redraw();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (type) {
    canvas.addEventListener(type, function () { current = null; });
  });

  box.querySelector("[data-signature-clear]").addEventListener("click", function () {
    strokes = [];
    current = null;
    field.value = "";
    redraw();
  });

  form.addEventListener("submit", function (e) {
    var path = strokes.map(function (points) {
      return points.map(function (p, i) { return (i === 0 ? "M " : "L ") + p[0] + " " + p[1]; }).join(" ");
    }).join(" ");
    if (!path) {
      e.preventDefault();
      if (empty) empty.hidden = false;
      return;
    }
    field.value = path;
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  });

  window.addEventListener("resize", fit);
  fit();
})();
