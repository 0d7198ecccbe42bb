// Cerebro static dashboards: draws each chart from the figure JSON embedded in the page (with
// Plotly, loaded from the file next to the pages) and makes tables sortable. No network.
(function () {
  "use strict";

  // Plotly's own texts (date axes, tool bar) in Spanish.
  var SPANISH = {
    moduleType: "locale",
    name: "es",
    dictionary: {
      "Autoscale": "Ajustar escala",
      "Box Select": "Seleccionar área",
      "Double-click on legend to isolate one trace": "Doble clic en la leyenda para aislar una serie",
      "Double-click to zoom back out": "Doble clic para volver a la vista completa",
      "Download plot as a PNG": "Descargar gráfico como PNG",
      "Download plot": "Descargar gráfico",
      "Image download succeeded": "Imagen descargada",
      "Preparing image - this may take a few seconds": "Preparando la imagen…",
      "Sorry, there was a problem downloading your image!": "No se pudo descargar la imagen",
      "Lasso Select": "Selección libre",
      "Pan": "Desplazar",
      "Reset": "Restablecer",
      "Reset axes": "Restablecer ejes",
      "Reset view": "Restablecer vista",
      "Show closest data on hover": "Mostrar el dato más cercano",
      "Compare data on hover": "Comparar datos",
      "Toggle Spike Lines": "Líneas de referencia",
      "Zoom": "Zoom",
      "Zoom in": "Acercar",
      "Zoom out": "Alejar",
      "trace": "serie"
    },
    format: {
      days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
      shortDays: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
      months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre", "octubre", "noviembre", "diciembre"],
      shortMonths: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
      date: "%d-%m-%Y",
      decimal: ",",
      thousands: "."
    }
  };

  var CONFIG = {
    locale: "es",
    responsive: true,
    displaylogo: false,
    // "sendChartToCloud" uploads the chart to Plotly's servers: these pages stay offline.
    modeBarButtonsToRemove: ["sendChartToCloud", "select2d", "lasso2d", "autoScale2d",
      "zoomIn2d", "zoomOut2d", "toggleSpikelines", "hoverClosestCartesian",
      "hoverCompareCartesian"]
  };

  function drawCharts() {
    if (typeof Plotly === "undefined") {
      throw new Error("plotly.min.js did not load: it must sit next to the tenant folders");
    }
    Plotly.register(SPANISH);
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-figure"));
      var figure = JSON.parse(source.textContent);
      var config = Object.assign({}, CONFIG, {
        toImageButtonOptions: {format: "png", scale: 2, filename: element.closest("section").id}
      });
      Plotly.newPlot(element, figure.data, figure.layout, config);
    });
  }

  // Table sorting: each cell carries its raw value in data-sort (numbers as numbers, dates as
  // ISO text), so "1.234" sorts after "987" and "2 oct 2026" after "30 sep 2026".
  function compareKeys(left, right) {
    if (left === right) { return 0; }
    if (left === "") { return 1; }  // missing values last
    if (right === "") { return -1; }
    var a = Number(left), b = Number(right);
    if (!isNaN(a) && !isNaN(b)) { return a - b; }
    return left.localeCompare(right, "es", {numeric: true, sensitivity: "base"});
  }

  function sortBy(table, header) {
    var headers = Array.prototype.slice.call(header.parentNode.children);
    var column = headers.indexOf(header);
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (first, second) {
      var a = first.cells[column].getAttribute("data-sort");
      var b = second.cells[column].getAttribute("data-sort");
      var order = compareKeys(a, b);
      // Missing values stay last in both directions.
      return (a === "" || b === "") ? order : (ascending ? order : -order);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function makeTablesSortable() {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (header) {
        header.querySelector("button").addEventListener("click", function () {
          sortBy(table, header);
        });
      });
    });
  }

  makeTablesSortable();
  drawCharts();
})();
