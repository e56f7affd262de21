// Typeset the API pages' math (pymdownx.arithmatex, generic mode: \( \) and \[ \]) with MathJax 3.
// Notebook pages bring their own MathJax (mkdocs-jupyter's), so this loader stays out of them.
(function () {
  if (document.querySelector(".jupyter-wrapper") || window.MathJax) return;
  window.MathJax = {
    tex: {inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true,
          processEnvironments: true},
    options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
  };
  var script = document.createElement("script");
  script.src = window.TRACEGRAD_MATHJAX_URL || "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js";
  script.async = true;
  document.head.appendChild(script);
})();
