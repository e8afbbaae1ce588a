/* Analytics charts: every <canvas data-chart='{"type", "labels", "datasets": [{"label", "data", "color"}], ...}'>
 * drawn with the vendored Chart.js (static/vendor/chart.js-4.6.1, served locally: no CDN). The tables beside the
 * charts carry the same numbers for reading and for screen readers. */
(function () {
  "use strict";

  var say = window.staffSay;  // words.js: the page's words from content/staff.yml
  if (typeof window.Chart === "undefined") { return; }
  var Chart = window.Chart;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif';
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#1a1d21";
  Chart.defaults.animation = false;

  function format(value, percent) {
    if (value === null || value === undefined) { return "—"; }
    return value.toLocaleString("vi-VN") + (percent ? "%" : "");
  }

  function draw(canvas) {
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    var horizontal = !!spec.horizontal;
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (ds) {
      return {
        label: ds.label, data: ds.data, backgroundColor: line ? ds.color : ds.color + "d9", borderColor: ds.color,
        borderWidth: line ? 2.5 : 1, pointRadius: line ? 3 : 0, tension: 0.15, maxBarThickness: 48
      };
    });
    var valueAxis = {
      beginAtZero: true, stacked: !!spec.stacked, grid: { color: "#e4e8ec" },
      title: { display: !!spec.y, text: spec.y || "" },
      ticks: { precision: 0, callback: function (v) { return format(v, spec.percent); } }
    };
    if (spec.percent) { valueAxis.suggestedMax = 100; }
    var categoryAxis = { stacked: !!spec.stacked, grid: { display: false }, ticks: { autoSkip: !horizontal } };
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true, maintainAspectRatio: false,
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14, padding: 14 } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = horizontal ? ctx.parsed.x : ctx.parsed.y;
                return ctx.dataset.label + ": " + format(v, spec.percent);
              }
            }
          }
        }
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
    try { draw(canvas); } catch (err) {
      var note = document.createElement("p");
      note.className = "help";
      note.textContent = say("analytics_page.no_chart");
      canvas.parentNode.replaceChild(note, canvas);
    }
  });
})();
