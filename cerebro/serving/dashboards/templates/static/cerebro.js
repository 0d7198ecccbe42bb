// Cerebro static dashboards: draws each chart from the figure JSON embedded in the page (with
// Plotly, loaded from the file next to the pages), makes tables sortable, narrows a table to
// the value a reader chooses (its CSV with it) and finds a customer among those the page
// carries. No network.
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

  // -- A table narrowed to one value of a column (static_page.choose) ------------------------
  // A row of cells as browser_cards.py writes them: [text, sort key (null: the text), class,
  // light] without trailing empty parts, or the text alone.
  function makeTableRow(cells) {
    var row = document.createElement("tr");
    cells.forEach(function (cell) {
      cell = typeof cell === "string" ? [cell] : cell;
      cell = [cell[0], cell[1] === undefined || cell[1] === null ? cell[0] : cell[1],
        cell[2] || "", cell[3] || ""];
      var td = document.createElement("td");
      td.setAttribute("data-sort", cell[1]);
      if (cell[2]) { td.className = cell[2]; }
      if (cell[3]) {
        var light = document.createElement("span");
        light.className = "light " + cell[3];
        light.setAttribute("aria-hidden", "true");
        td.appendChild(light);
      }
      td.appendChild(document.createTextNode(cell[0]));
      row.appendChild(td);
    });
    return row;
  }

  function resetSorting(table) {
    table.querySelectorAll("thead th").forEach(function (header) {
      header.setAttribute("aria-sort", "none");
    });
  }

  function rowsNote(card, shown, total, truncated) {
    var note = card.querySelector("[data-rows-note]");
    if (!note) { return; }
    note.hidden = !truncated;
    note.textContent = "Se muestran " + shown + " de " + total + " filas; el CSV las incluye todas.";
  }

  function makeChoices() {
    document.querySelectorAll("select[data-choice]").forEach(function (select) {
      var card = select.closest("section.card");
      var table = card.querySelector("table");
      var body = table.tBodies[0];
      var download = card.querySelector("[data-choice-download]");
      var note = card.querySelector("[data-rows-note]");
      var original = {rows: Array.prototype.slice.call(body.rows), note: note && note.textContent,
        truncated: note && !note.hidden};
      select.addEventListener("change", function () {
        var option = select.options[select.selectedIndex];
        resetSorting(table);
        if (!select.value) {
          body.replaceChildren.apply(body, original.rows);
          if (note) { note.textContent = original.note; note.hidden = !original.truncated; }
        } else {
          var rows = card.querySelector("template[data-choice-rows='" + select.value + "']");
          body.replaceChildren(rows.content.cloneNode(true));
          rowsNote(card, rows.getAttribute("data-shown"), rows.getAttribute("data-total"),
            rows.getAttribute("data-truncated") === "true");
        }
        download.setAttribute("href", option.getAttribute("data-csv"));
        window.dispatchEvent(new Event("resize"));  // the scroll note and shadows
      });
    });
  }

  // -- A search box over the customers the page carries (browser_cards.search_payload) ------
  // SHA-256 (FIPS 180-4) of a text's UTF-8 bytes, in hex: e-mails are matched by their hash,
  // as the page carries no address.
  var K256 = [];
  (function () {
    var found = 0, candidate = 2;
    while (found < 64) {
      var prime = true;
      for (var f = 2; f * f <= candidate; f++) { if (candidate % f === 0) { prime = false; break; } }
      if (prime) {
        K256.push(Math.floor((Math.cbrt(candidate) % 1) * 4294967296) | 0);
        found++;
      }
      candidate++;
    }
  })();

  function sha256(text) {
    var bytes = Array.prototype.slice.call(new TextEncoder().encode(text));
    var bitLength = bytes.length * 8;
    bytes.push(0x80);
    while (bytes.length % 64 !== 56) { bytes.push(0); }
    for (var shift = 56; shift >= 0; shift -= 8) {
      // Lengths beyond 2^32 bits do not occur here; the high bytes are zero.
      bytes.push(shift >= 32 ? 0 : (bitLength >>> shift) & 0xff);
    }
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    function rotate(x, n) { return (x >>> n) | (x << (32 - n)); }
    var w = new Array(64);
    for (var block = 0; block < bytes.length; block += 64) {
      for (var i = 0; i < 16; i++) {
        var j = block + 4 * i;
        w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f2 = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var t1 = (k + (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) + ((e & f2) ^ (~e & g)) +
          K256[i] + w[i]) | 0;
        var t2 = ((rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f2; f2 = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e, h[5] + f2, h[6] + g, h[7] + k]
        .map(function (x) { return x | 0; });
    }
    return h.map(function (x) { return ("00000000" + (x >>> 0).toString(16)).slice(-8); }).join("");
  }

  // A card shows one customer's view: a scalar's text, a table's rows, a line chart's points;
  // a placeholder where that customer has none.
  function showView(card, view, figures) {
    var body = card.querySelector(".card-body");
    var placeholder = body.querySelector("[data-search-empty]");
    if (!placeholder) {
      placeholder = document.createElement("div");
      placeholder.className = "placeholder";
      placeholder.setAttribute("data-search-empty", "");
      placeholder.textContent = "Sin datos de este cliente en esta tarjeta.";
      body.appendChild(placeholder);
    }
    Array.prototype.forEach.call(body.children, function (child) {
      child.hidden = view ? child === placeholder : child !== placeholder;
    });
    // The CSV beside the page is the first customer's: no link to it under another's rows.
    var download = card.querySelector("a.download");
    if (download) { download.hidden = true; }
    if (!view) { return; }
    if (view.scalar !== undefined) {
      body.querySelector(".scalar-value").textContent = view.scalar;
    } else if (view.rows) {
      var table = body.querySelector("table");
      resetSorting(table);
      table.tBodies[0].replaceChildren.apply(table.tBodies[0], view.rows.map(makeTableRow));
      rowsNote(card, view.rows.length, view.total, view.total > view.rows.length);
    } else if (view.lines) {
      var chart = body.querySelector("[data-figure]");
      var figure = figures[card.id];
      var data = view.lines.map(function (line, i) {
        var trace = Object.assign({}, figure.data[Math.min(i, figure.data.length - 1)]);
        Object.keys(line).forEach(function (key) { trace[key] = line[key]; });
        return trace;
      });
      Plotly.react(chart, data, figure.layout, CONFIG);
    }
  }

  function makeSearch() {
    var form = document.querySelector("form[data-search]");
    var source = document.getElementById("search-data");
    if (!form || !source) { return; }
    var data = JSON.parse(source.textContent);
    var input = form.querySelector("input");
    var message = form.querySelector(".search-message");
    var keys = {};
    data.keys.forEach(function (key) { keys[key.toLowerCase()] = key; });
    var figures = {};
    Object.keys(data.cards).forEach(function (key) {
      var element = document.getElementById("figure-" + key);
      if (element) { figures[key] = JSON.parse(element.textContent); }
    });
    var scope = data.total > data.limit ?
      "Esta página trae " + data.limit_text + " de " + data.total_text + " clientes" +
        (data.scope ? ", " + data.scope : "") + ": a los demás, búsquelos en Metabase o con " +
        "«cerebro customer»." :
      "Busque entre los " + data.total_text + " clientes de esta página por su ID o su e-mail.";
    message.textContent = scope;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var typed = input.value.trim();
      if (!typed) {
        message.textContent = "Escriba el ID o el e-mail de un cliente.";
        return;
      }
      var key = typed.indexOf("@") >= 0 ? data.emails[sha256(typed.toLowerCase())] :
        keys[typed.toLowerCase()];
      if (!key) {
        message.textContent = "Ningún cliente de esta página tiene el " +
          (typed.indexOf("@") >= 0 ? "e-mail" : "ID") + " «" + typed + "». " + scope;
        return;
      }
      Object.keys(data.cards).forEach(function (cardKey) {
        showView(document.getElementById(cardKey), data.cards[cardKey][key], figures);
      });
      message.textContent = "Ficha del cliente " + key + ".";
    });
  }

  makeTablesSortable();
  markScrollingTables();
  makeChoices();
  drawCharts();
  makeSearch();
})();
