// tracegrad training recording: a slider over the recorded steps moves a marker along every sparkline and
// shows that step's values and weight histograms, on the model's graph and in the table. Inlined by autograd/viz/training.py.
(function () {
  "use strict";
  var d = JSON.parse(document.getElementById("tg-train-data").textContent);
  var n = d.steps.length, W = 150, H = 26, NS = "http://www.w3.org/2000/svg";
  var markers = [], cells = [];
  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function xAt(i) { return 2 + (W - 4) * i / Math.max(n - 1, 1); }
  function spark(values, colour) {
    var svg = el("svg", { width: W, height: H }), ok = values.filter(function (v) { return v !== null; });
    var lo = Math.min.apply(null, ok), hi = Math.max.apply(null, ok), span = (hi - lo) || 1, pts = [];
    values.forEach(function (v, i) { if (v !== null) { pts.push(xAt(i).toFixed(1) + "," + (H - 3 - (H - 6) * (v - lo) / span).toFixed(1)); } });
    el("polyline", { points: pts.join(" "), fill: "none", stroke: colour, "stroke-width": 1.3 }, svg);
    markers.push(el("line", { y1: 0, y2: H, stroke: "#999", "stroke-dasharray": "2 2" }, svg));
    return svg;
  }
  function fmt(v) { return v === null || v === undefined ? "·" : Number(v).toPrecision(4); }
  var table = document.createElement("table");
  table.innerHTML = "<tr><th></th><th>over the run</th><th>at the step</th><th>gradient norm</th><th>at the step</th><th>weights</th></tr>";
  function row(name, series, colour, label, series2, colour2, label2, hist) {
    var tr = document.createElement("tr"), td;
    td = document.createElement("td"); td.textContent = name; tr.appendChild(td);
    td = document.createElement("td"); td.appendChild(spark(series, colour)); tr.appendChild(td);
    var v1 = document.createElement("td"); tr.appendChild(v1);
    td = document.createElement("td"); if (series2) { td.appendChild(spark(series2, colour2)); } tr.appendChild(td);
    var v2 = document.createElement("td"); tr.appendChild(v2);
    var h = document.createElement("td"); tr.appendChild(h);
    cells.push(function (i) {
      v1.textContent = label + " " + fmt(series[i]);
      v2.textContent = series2 ? label2 + " " + fmt(series2[i]) : "";
      if (hist) {
        var counts = hist.hist[i], max = Math.max.apply(null, counts) || 1, svg = el("svg", { width: 96, height: H });
        counts.forEach(function (c, j) {
          var bh = (H - 4) * c / max;
          el("rect", { x: j * 96 / counts.length, y: H - 2 - bh, width: 96 / counts.length - 1, height: bh, fill: "#b8860b" }, svg);
        });
        h.textContent = "";
        h.appendChild(svg);
        h.title = "weights from " + fmt(hist.lo[i]) + " to " + fmt(hist.hi[i]);
      }
    });
    table.appendChild(tr);
  }
  row("loss", d.loss, "#b03a2e", "loss");
  Object.keys(d.params).forEach(function (k) { var p = d.params[k]; row(k, p.w, "#3b6fb6", "‖w‖", p.g, "#d35400", "‖∇‖", p); });
  Object.keys(d.acts).forEach(function (k) { var a = d.acts[k]; row(k + " output std", a.std, "#2e8b57", "std", a.mean, "#777", "mean"); });
  document.getElementById("tg-train-table").appendChild(table);
  var slider = document.getElementById("tg-train-slider");
  // the model's graph (drawn by training.py, positions fixed): each module's texts and sparkline marker at record i
  function setText(id, t) { var e = document.getElementById(id); if (e && e.textContent !== t) { e.textContent = t; } }
  function graphAt(i) {
    d.graph.forEach(function (b) {
      if (b.loss) { setText(b.id + "-loss", "loss " + fmt(d.loss[i])); }
      b.params.forEach(function (p, j) {
        var r = d.params[p[1]];
        setText(b.id + "-p" + j, p[0] + " ‖w‖ " + fmt(r.w[i]) + " ‖∇‖ " + fmt(r.g[i]));
      });
      if (b.act !== null) { var a = d.acts[b.act]; setText(b.id + "-act", "out μ " + fmt(a.mean[i]) + " σ " + fmt(a.std[i])); }
      var m = document.getElementById(b.id + "-mark");
      if (m) {
        var x0 = +m.getAttribute("data-x0"), x1 = +m.getAttribute("data-x1"), x = x0 + (x1 - x0) * i / Math.max(n - 1, 1);
        m.setAttribute("x1", x.toFixed(1)); m.setAttribute("x2", x.toFixed(1));
      }
    });
  }
  function at(i) {
    graphAt(i);
    markers.forEach(function (m) { m.setAttribute("x1", xAt(i)); m.setAttribute("x2", xAt(i)); });
    cells.forEach(function (f) { f(i); });
    document.getElementById("tg-train-at").textContent = n ? "step " + d.steps[i] + " (record " + (i + 1) + " of " + n + ", every " + d.every + " steps)" : "no records";
  }
  slider.addEventListener("input", function () { at(+slider.value); });
  if (n) { at(n - 1); }
  window.tgTraining = { at: at, count: n, get record() { return +slider.value; } };
})();
