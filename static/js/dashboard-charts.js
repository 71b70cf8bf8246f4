// Draws the dashboard's charts with Chart.js from the JSON the page carries
// (json_script "dashboard-charts"). The same numbers are always in the table
// under each chart, so without JavaScript nothing is lost; clicking a bar opens
// the matching list of cases, exactly like the table's links.
(function () {
  "use strict";

  const PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"];

  // Breakdowns are drawn as horizontal bars (long labels stay readable on a
  // phone); the monthly trend as stacked columns. A second value axis carries
  // revenue, which is on another scale than counts.
  function datasetStyle(spec) {
    return (dataset, index) => {
      const colour = PALETTE[index % PALETTE.length];
      const axis = dataset.axis === "right" ? "value2" : "value";
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: colour,
        [spec.horizontal ? "xAxisID" : "yAxisID"]: axis,
      };
    };
  }

  function scales(spec) {
    const stacked = Boolean(spec.stacked);
    const category = { stacked, ticks: { autoSkip: false } };
    const value = { beginAtZero: true, stacked, ticks: { precision: 0 } };
    const result = spec.horizontal
      ? { y: category, value: { ...value, axis: "x", position: "bottom" } }
      : { x: category, value: { ...value, axis: "y", position: "left" } };
    if (spec.datasets.some((dataset) => dataset.axis === "right")) {
      result.value2 = {
        axis: spec.horizontal ? "x" : "y",
        position: spec.horizontal ? "top" : "right",
        beginAtZero: true,
        grid: { drawOnChartArea: false },
      };
    }
    return result;
  }

  function boxHeight(spec) {
    const rows = spec.horizontal ? spec.labels.length * spec.datasets.length : 10;
    return `${Math.max(12, Math.min(40, 4 + rows * 1.1))}rem`;
  }

  function draw(box, spec) {
    box.classList.remove("d-none");
    box.style.position = "relative";
    box.style.height = boxHeight(spec);
    const chart = new window.Chart(box.querySelector("canvas"), {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(datasetStyle(spec)) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        scales: scales(spec),
        onHover: (event, elements) => {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: (event, elements) => {
          if (!elements.length) return;
          const { datasetIndex, index } = elements[0];
          const url = spec.links[datasetIndex] && spec.links[datasetIndex][index];
          if (url) window.location.assign(url);
        },
      },
    });
    return chart;
  }

  function start() {
    const source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") return;
    const charts = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart]").forEach((box) => {
      const spec = charts[box.dataset.chart];
      if (spec && spec.labels.length) draw(box, spec);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
