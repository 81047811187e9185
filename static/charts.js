// The dashboard's charts: each <figure data-chart="<id>"> is drawn from the Vega-Lite
// specification in the JSON block #<id>, which Python built. Nothing else happens here.
(function () {
  /** @type {NodeListOf<HTMLElement>} */
  var figures = document.querySelectorAll("figure[data-chart]");
  figures.forEach(function (figure) {
    var block = document.getElementById(figure.getAttribute("data-chart") || "");
    var target = /** @type {HTMLElement} */ (figure.querySelector(".chart"));
    /** @param {unknown} e */
    function fail(e) {
      figure.setAttribute("data-drawn", "failed");
      target.textContent = "The chart could not be drawn (" + String(e) + "); the numbers are below.";
    }
    try {
      var spec = vegaLite.compile(JSON.parse(block ? block.textContent || "" : "")).spec;
      new vega.View(vega.parse(spec), { renderer: "svg", container: target, hover: true })
        .runAsync().then(function () { figure.setAttribute("data-drawn", "1"); }, fail);
    } catch (e) { fail(e); }
  });
})();
