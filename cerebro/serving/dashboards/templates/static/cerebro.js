// Cerebro static dashboards: draws each chart from the figure JSON embedded in the page (with
// Plotly, loaded from the file next to the pages) and makes tables sortable. No network.
(function () {
  "use strict";

  // Plotly's own texts (date axes, hints) in Spanish.
  var SPANISH = {
    moduleType: "locale",
    name: "es",
    dictionary: {
      "Double-click on legend to isolate one trace": "Doble clic en la leyenda para aislar una serie",
      "Double-click to zoom back out": "Doble clic para volver a la vista completa",
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
    // No tool bar: Plotly draws it over the top right of the plot, on the legend and the bars.
    // Zoom still works by dragging, and a double click restores the view.
    displayModeBar: false
  };

  function drawCharts() {
    if (typeof Plotly === "undefined") {
      throw new Error("plotly.min.js did not load: it must sit next to the tenant folders");
    }
    Plotly.register(SPANISH);
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-figure"));
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(element, figure.data, figure.layout, CONFIG);
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

  // A table wider than its card scrolls sideways. A browser may hide the scroll bar until the
  // table is scrolled, so the side with more columns gets a shadow and, under the table, a note
  // says how many columns are out of sight.
  function hiddenColumns(wrap) {
    var right = wrap.getBoundingClientRect().right;
    return Array.prototype.filter.call(wrap.querySelectorAll("thead th"), function (header) {
      return header.getBoundingClientRect().right > right + 1;
    }).length;
  }

  function markScrollingTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var note = document.createElement("p");
      note.className = "table-note scroll-note";
      wrap.insertAdjacentElement("afterend", note);
      var update = function () {
        var hidden = wrap.scrollWidth - wrap.clientWidth;
        wrap.classList.toggle("more-right", hidden > 1 && wrap.scrollLeft < hidden - 1);
        wrap.classList.toggle("more-left", hidden > 1 && wrap.scrollLeft > 1);
        var columns = hidden > 1 ? hiddenColumns(wrap) : 0;
        note.hidden = columns === 0;
        note.textContent = columns === 1 ?
          "→ Una columna más a la derecha: desplace la tabla." :
          "→ " + columns + " columnas más a la derecha: desplace la tabla.";
      };
      wrap.addEventListener("scroll", update);
      window.addEventListener("resize", update);
      update();
    });
  }

  makeTablesSortable();
  markScrollingTables();
  drawCharts();
})();
