/* Draws every chart of the page with Chart.js (static/vendor/chart.js, vendored from npm).
 * A chart's numbers come from the <script type="application/json"> its canvas names in
 * data-chart (the CSP allows no inline script, and JSON is not run); the same numbers are in the
 * table below each chart, which is what a reader without JavaScript gets. */
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  // Distinguishable for the common colour-vision deficiencies (Okabe-Ito), darkest first.
  var PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var font = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.family = font;
  Chart.defaults.color = "#1f2328";
  if (reduceMotion) {
    Chart.defaults.animation = false;
  }

  function number(value) {
    return typeof value === "number" ? value.toLocaleString("zh-CN") : value;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var line = spec.kind === "line";
    var unit = spec.unit || "";
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      stacked: spec.stacked,
      ticks: { callback: function (value) { return number(value) + unit; } }
    };
    scales[valueAxis === "x" ? "y" : "x"] = { stacked: spec.stacked, ticks: { autoSkip: !spec.horizontal } };
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, i) {
          var colour = PALETTE[i % PALETTE.length];
          return {
            label: series.name,
            data: series.values,
            stack: spec.stacked ? (series.stack || "all") : undefined,
            backgroundColor: colour,
            borderColor: colour,
            borderWidth: line ? 2 : 0,
            tension: 0.2
          };
        })
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        responsive: true,
        scales: scales,
        plugins: {
          legend: { display: spec.series.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ":" + number(item.raw) + unit;
              }
            }
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
