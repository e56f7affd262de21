// tracegrad backprop explorer: inlined into the page by autograd/viz/explorer.py.
// The page holds the SVG (laid out once: nothing moves) and, as JSON, the steps; each step lists the
// texts ("set": [element id, text]) and box states ("st": [box id, state]) it changes, the boxes it
// highlights ("cur"), the edges it activates ("act") and the adjoints written on them ("el").
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("tg-data").textContent);
  var steps = data.steps, N = steps.length;
  var cache = {};
  function $(id) { var e = cache[id]; if (e === undefined) { e = document.getElementById(id); cache[id] = e; } return e; }
  var shownText = {}, shownState = {};
  var base = {};  // box id -> its class without the state
  var transient = [];  // [element, class] added for the shown step, and edge labels written
  var labels = [];
  var cur = -1, timer = null;

  var view = $("tg-view");  // the graph (a page may hold other pictures, e.g. the training view)
  Object.keys(data.init.st).forEach(function (id) { base[id] = $(id).getAttribute("class"); });

  // the texts and states after step k (k = -1: before the first step), from the start
  function stateAt(k) {
    var text = Object.assign({}, data.init.text), st = Object.assign({}, data.init.st);
    for (var i = 0; i <= k; i++) {
      var s = steps[i], a, j;
      for (j = 0; j < s.set.length; j++) { a = s.set[j]; text[a[0]] = a[1]; }
      for (j = 0; j < s.st.length; j++) { a = s.st[j]; st[a[0]] = a[1]; }
    }
    return { text: text, st: st };
  }

  function pairs(list) { var o = {}; for (var j = 0; j < list.length; j++) { o[list[j][0]] = list[j][1]; } return o; }

  function show(k) {
    k = Math.max(-1, Math.min(N - 1, k));
    // one step forward changes only what that step lists; any other move rebuilds the state from the start
    var s = (k === cur + 1 && k >= 0) ? { text: pairs(steps[k].set), st: pairs(steps[k].st) } : stateAt(k), id;
    for (id in s.text) {
      if (shownText[id] !== s.text[id]) { $(id).textContent = s.text[id]; shownText[id] = s.text[id]; }
    }
    for (id in s.st) {
      if (shownState[id] !== s.st[id]) { $(id).setAttribute("class", base[id] + " st-" + s.st[id]); shownState[id] = s.st[id]; }
    }
    transient.forEach(function (t) { t[0].classList.remove(t[1]); });
    labels.forEach(function (e) { e.textContent = ""; });
    transient = []; labels = [];
    var step = k >= 0 ? steps[k] : null;
    if (step) {
      step.cur.forEach(function (b) { var e = $(b); e.classList.add("tg-cur"); transient.push([e, "tg-cur"]); });
      step.act.forEach(function (n) { var e = $("e" + n); e.classList.add("tg-act"); transient.push([e, "tg-act"]); });
      step.el.forEach(function (a) { var e = $("el" + a[0]); e.textContent = a[1]; labels.push(e); });
    }
    cur = k;
    panel(step, k);
    if (step && step.cur.length) { follow($(step.cur[0])); }
  }

  function follow(e) {  // keep the current box in view without moving anything else
    var view = $("tg-view"), r = e.getBoundingClientRect(), v = view.getBoundingClientRect();
    if (r.left < v.left || r.right > v.right || r.top < v.top || r.bottom > v.bottom) {
      view.scrollLeft += (r.left + r.right) / 2 - (v.left + v.right) / 2;
      view.scrollTop += (r.top + r.bottom) / 2 - (v.top + v.bottom) / 2;
    }
  }

  function esc(t) { return String(t).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }

  function panel(step, k) {
    $("tg-counter").textContent = "step " + (k + 1) + " of " + N + (step ? " · " + step.ph : " · start");
    var h = "";
    if (!step) {
      h = "<h2>start</h2><p>Inputs and parameters show their values. Press <b>next</b> (→) to run the forward pass, " +
        "then the backward sweep.</p>";
    } else {
      h = "<h2>" + esc(step.t) + "</h2>";
      if (step.op) {
        h += "<div>op <b>" + esc(step.op.name) + "</b>" + (step.op.module ? " in <i>" + esc(step.op.module) + "</i>" : "") + "</div>";
        if (step.op.rule) { h += "<div class=\"tg-rule\">" + esc(step.op.rule) + "</div>"; }
        var m = step.op.latex && data.math[step.op.latex];
        if (m) { h += "<div class=\"tg-math\">" + m + "</div>"; }  // MathML made by tracegrad from its own rules
        if (step.op.latex) { h += "<details><summary>LaTeX</summary><code>" + esc(step.op.latex) + "</code></details>"; }
      }
      h += "<table>";
      step.rows.forEach(function (r) { h += "<tr><td>" + esc(r[0]) + "</td><td class=\"tg-v\">" + esc(r[1]) + "</td></tr>"; });
      h += "</table>";
    }
    $("tg-panel").innerHTML = h;
  }

  function go(k) { show(k); }
  function next() { if (cur < N - 1) { go(cur + 1); } else { pause(); } }
  function prev() { go(cur - 1); }
  function rate() { return +$("tg-speed").value; }
  function play() {
    if (timer !== null) { return; }
    if (cur >= N - 1) { go(-1); }
    $("tg-play").textContent = "⏸ pause";
    timer = setInterval(next, 1000 / rate());
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    $("tg-play").textContent = "▶ play";
  }
  function toggle() { if (timer === null) { play(); } else { pause(); } }

  $("tg-next").addEventListener("click", function () { pause(); next(); });
  $("tg-prev").addEventListener("click", function () { pause(); prev(); });
  $("tg-reset").addEventListener("click", function () { pause(); go(-1); });
  $("tg-play").addEventListener("click", toggle);
  $("tg-speed").addEventListener("input", function () {
    $("tg-speed-text").textContent = rate();
    if (timer !== null) { clearInterval(timer); timer = setInterval(next, 1000 / rate()); }
  });
  var sel = $("tg-jump");
  Object.keys(data.jump).sort(function (a, b) { return data.jump[a] - data.jump[b]; }).forEach(function (id) {
    var o = document.createElement("option");
    o.value = id;
    o.textContent = (data.names[id] || id) + " (" + id + ", step " + (data.jump[id] + 1) + ")";
    sel.appendChild(o);
  });
  sel.addEventListener("change", function () { if (sel.value) { pause(); go(data.jump[sel.value]); } });
  view.querySelectorAll(".tg-node").forEach(function (e) {
    e.addEventListener("click", function () { if (e.id in data.jump) { pause(); go(data.jump[e.id]); } });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "SELECT") { return; }
    if (ev.key === "ArrowRight") { pause(); next(); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { pause(); prev(); ev.preventDefault(); }
    else if (ev.key === " ") { toggle(); ev.preventDefault(); }
    else if (ev.key === "Home") { pause(); go(-1); ev.preventDefault(); }
    else if (ev.key === "End") { pause(); go(N - 1); ev.preventDefault(); }
  });
  // module frames: a click on a frame's label collapses it into one box listing its parameters' gradient
  // norms (the boxes inside are hidden, nothing moves) and a second click expands it again
  function inside(m, path) { return m === path || m.indexOf(path + ".") === 0; }
  function collapse(frame, on) {
    var path = frame.id.slice(8), hidden = {};
    frame.classList.toggle("tg-collapsed", on);
    view.querySelectorAll(".tg-node").forEach(function (n) {
      var m = n.getAttribute("data-module");
      if (m && inside(m, path)) { n.classList.toggle("tg-hidden", on); }
      hidden[n.id] = n.classList.contains("tg-hidden");
    });
    view.querySelectorAll(".tg-edge").forEach(function (e) {
      var gone = hidden[e.getAttribute("data-from")] && hidden[e.getAttribute("data-to")];
      e.classList.toggle("tg-hidden", gone);
      $("el" + e.id.slice(1)).classList.toggle("tg-hidden", gone);
    });
    view.querySelectorAll(".tg-cluster").forEach(function (c) {
      var p = c.id.slice(8);
      if (p !== path && inside(p, path)) { c.classList.toggle("tg-hidden", on); }
    });
    var label = frame.querySelector(".tg-clabel"), k = on ? "c" : "f";  // the label moves to the collapsed box
    label.setAttribute("x", label.getAttribute("data-" + k + "x"));
    label.setAttribute("y", label.getAttribute("data-" + k + "y"));
    if (on) { frame.parentNode.appendChild(frame); }  // the collapsed box is drawn over what it covers
  }
  var frames = view.querySelectorAll(".tg-cluster");
  frames.forEach(function (c) {
    c.querySelector(".tg-clabel").addEventListener("click", function () {
      collapse(c, !c.classList.contains("tg-collapsed"));
    });
  });
  $("tg-modules").addEventListener("click", function () {
    var on = !document.querySelector(".tg-cluster.tg-collapsed");
    frames.forEach(function (c) { if (c.id.slice(8).indexOf(".") < 0) { collapse(c, on); } });
    $("tg-modules").textContent = on ? "expand modules" : "collapse modules";
  });
  if (!frames.length) { $("tg-modules").style.display = "none"; }
  // for tests and the curious: the step shown, the number of steps, go(k), and the final gradients
  window.tgExplorer = { get step() { return cur; }, count: N, go: go, next: next, prev: prev, play: play,
    readyAt: 0,
    pause: pause, get playing() { return timer !== null; }, final: data.final, jump: data.jump };
  show(data.start);
  window.tgExplorer.readyAt = performance.now();  // ms since the page started loading
})();
