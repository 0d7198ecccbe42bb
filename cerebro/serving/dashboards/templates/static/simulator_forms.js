// The Simulador's forms (the budget to plan, the move between channels): what a reader types
// is checked and said back in one Spanish line when it is not an amount the model can plan,
// and the plan or the move is shown with its interval and what the evidence allows
// (simulator.js computes them). No network.
(function () {
  "use strict";

  // -- the forms -----------------------------------------------------------------------------
  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function field(label, control) {
    return element("label", {"class": "sim-field"}, [element("span", {}, [label]), control]);
  }

  function objectiveSelect(simulator) {
    var select = element("select", {name: "objective"});
    simulator.data.objectives.forEach(function (objective) {
      var option = element("option", {value: objective.key}, [objective.label]);
      option.selected = objective.key === simulator.data.default_objective;
      select.appendChild(option);
    });
    return select;
  }

  function resultTable(headers, rows) {
    var head = element("tr", {}, headers.map(function (h) {
      return element("th", {scope: "col", "class": h[1] || ""}, [h[0]]);
    }));
    // A cell is a text, or [a figure, its interval] written one above the other.
    var body = rows.map(function (row) {
      return element("tr", {"class": row.className || ""}, row.cells.map(function (cell, i) {
        var content = typeof cell === "string" ? [cell] :
          [cell[0], element("span", {"class": "sim-interval"}, [cell[1]])];
        return element("td", {"class": headers[i][1] || ""}, content);
      }));
    });
    return element("div", {"class": "table-wrap sim-table"}, [
      element("table", {"class": "data-table"}, [element("thead", {}, [head]),
        element("tbody", {}, body)])
    ]);
  }

  function show(result, message, content) {
    message.hidden = !message.textContent;
    result.replaceChildren.apply(result, content);
  }

  // One line naming what is wrong with a typed amount, or "" when it is a number >= 0.
  function amountProblem(simulator, text, what) {
    if (!String(text).trim()) {
      return "Escriba " + what + ": un monto para 30 días, por ejemplo " +
        simulator.locale.money(1500000) + ".";
    }
    var value = simulator.locale.parse(text);
    if (isNaN(value)) {
      return "«" + String(text).trim() + "» no es un monto: escriba solo números, por ejemplo " +
        simulator.locale.money(1500000) + ".";
    }
    if (value < 0) { return "El monto no puede ser negativo: escriba 0 o más."; }
    return "";
  }

  function planForm(simulator, container) {
    var budget = element("input", {name: "budget", type: "text", inputmode: "decimal",
      autocomplete: "off", "aria-describedby": "plan-message"});
    var objective = objectiveSelect(simulator);
    budget.value = simulator.locale.money(simulator.currentBudget(objective.value));
    var form = element("form", {"class": "sim-form", novalidate: ""}, [
      field("Presupuesto a simular (monto en 30 días)", budget),
      field("Objetivo del plan", objective),
      element("button", {type: "submit"}, ["Simular"])
    ]);
    var message = element("p", {"class": "sim-message", role: "alert", id: "plan-message"});
    var result = element("div", {"class": "sim-result", "aria-live": "polite"});
    container.replaceChildren(form, message, result);

    function run() {
      message.textContent = "";
      var problem = amountProblem(simulator, budget.value, "un presupuesto");
      var value = problem ? NaN : simulator.locale.parse(budget.value);
      var highest = simulator.maxBudget(objective.value);
      if (!problem && value > highest * (1 + 1e-9)) {
        problem = "El simulador reparte hasta el " +
          simulator.locale.number(simulator.data.max_ratio * 100, 0) +
          "% del presupuesto actual, " + simulator.locale.money(highest) +
          " en 30 días: más allá, las curvas no tienen datos que las respalden.";
      }
      if (problem) {
        message.textContent = problem;
        return show(result, message, []);
      }
      var plan = simulator.plan(objective.value, value);
      if (plan.error) {
        message.textContent = "Con los límites de cada canal se pueden repartir a lo sumo " +
          simulator.locale.money(plan.highest) + " en 30 días.";
        return show(result, message, []);
      }
      show(result, message, renderPlan(simulator, plan));
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    objective.addEventListener("change", run);
    run();
  }

  // "Cambio esperado (intervalo del 90%)", in the objective's unit where it is not money.
  function changeHeader(simulator, objective) {
    var level = simulator.locale.number(simulator.model(objective).interval * 100, 0) + "%";
    return "Cambio esperado" + (objective.money ? "" : " (clientes nuevos)") +
      " e intervalo del " + level;
  }

  function renderPlan(simulator, plan) {
    var objective = plan.objective, money = simulator.locale.money.bind(simulator.locale);
    var verdict = simulator.verdict(plan, "este reparto");
    var rows = plan.names.map(function (name, c) {
      var channel = plan.channels[c];
      return {cells: [
        name + (plan.identified[c] ? "" : " *"), money(plan.current[c]), money(plan.spend[c]),
        [simulator.amount(objective, channel.change, true),
          simulator.intervalText(objective, channel.interval)]
      ]};
    });
    var totalCurrent = plan.current.reduce(function (a, b) { return a + b; }, 0);
    rows.push({className: "sim-total", cells: [
      "Total", money(totalCurrent), money(plan.budget),
      [simulator.amount(objective, plan.change, true),
        simulator.intervalText(objective, plan.interval)]
    ]});
    var parts = [
      element("p", {"class": "sim-headline" + (verdict.advised ? "" : " sim-abstained")},
        [verdict.headline]),
      resultTable([["Canal"], ["Inversión actual", "number"], ["Inversión del plan", "number"],
        [changeHeader(simulator, objective), "number"]], rows)
    ];
    verdict.lines.forEach(function (line) { parts.push(element("p", {"class": "sim-note"}, [line])); });
    if (plan.identified.indexOf(false) >= 0) {
      parts.push(element("p", {"class": "sim-note"}, ["* Canal que los datos no distinguen: " +
        "se mueve solo junto con los demás así, en sus proporciones de hoy."]));
    }
    return parts;
  }

  function moveForm(simulator, container) {
    var objective = objectiveSelect(simulator);
    var names = simulator.model(simulator.objective(objective.value)).channels
      .map(function (c) { return c.name; });
    function channelSelect(name, chosen) {
      var select = element("select", {name: name},
        [element("option", {value: ""}, ["Elija un canal"])]);
      names.forEach(function (n) {
        var option = element("option", {value: n}, [n]);
        option.selected = n === chosen;
        select.appendChild(option);
      });
      return select;
    }
    var from = channelSelect("from", names[0]), to = channelSelect("to", names[1] || "");
    var amount = element("input", {name: "amount", type: "text", inputmode: "decimal",
      autocomplete: "off", "aria-describedby": "move-message"});
    var current = simulator.currentBudget(objective.value);
    amount.value = simulator.locale.money(Math.round(0.1 * current));
    var form = element("form", {"class": "sim-form", novalidate: ""}, [
      field("Mover desde", from), field("Mover hacia", to),
      field("Monto a mover (30 días)", amount), field("Objetivo", objective),
      element("button", {type: "submit"}, ["Calcular"])
    ]);
    var message = element("p", {"class": "sim-message", role: "alert", id: "move-message"});
    var result = element("div", {"class": "sim-result", "aria-live": "polite"});
    container.replaceChildren(form, message, result);

    function run() {
      message.textContent = "";
      var problem = "";
      if (!from.value || !to.value) {
        problem = "Elija «Mover desde» y «Mover hacia».";
      } else if (from.value === to.value) {
        problem = "Elija dos canales distintos: mover dinero dentro de un canal no cambia nada.";
      } else {
        problem = amountProblem(simulator, amount.value, "un monto a mover");
      }
      var value = problem ? NaN : simulator.locale.parse(amount.value);
      if (!problem && value === 0) { problem = "Escriba un monto mayor que 0."; }
      var model = simulator.model(simulator.objective(objective.value));
      var source = model.channels.filter(function (c) { return c.name === from.value; })[0];
      var target = model.channels.filter(function (c) { return c.name === to.value; })[0];
      var days = simulator.data.plan_days;
      if (!problem && value > source.current * days * (1 + 1e-9)) {
        problem = "No se puede mover más de lo que " + source.name + " invierte hoy: " +
          simulator.locale.money(source.current * days) + " en 30 días.";
      }
      var ceiling = simulator.data.max_ratio * Math.max(target.current, target.mean) * days;
      if (!problem && target.current * days + value > ceiling * (1 + 1e-9)) {
        problem = target.name + " pasaría a invertir " +
          simulator.locale.money(target.current * days + value) + " en 30 días, más de " +
          simulator.locale.number(simulator.data.max_ratio, 0) +
          " veces lo que el modelo ha visto: como máximo puede recibir " +
          simulator.locale.money(ceiling - target.current * days) + ".";
      }
      if (problem) {
        message.textContent = problem;
        return show(result, message, []);
      }
      show(result, message, renderMove(simulator, simulator.move(objective.value, from.value,
        to.value, value)));
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    [from, to, objective].forEach(function (control) { control.addEventListener("change", run); });
    run();
  }

  function renderMove(simulator, move) {
    var objective = move.objective, money = simulator.locale.money.bind(simulator.locale);
    var verdict = simulator.verdict(move, "este movimiento");
    var rows = move.names.map(function (name, c) {
      return {cells: [
        name + (move.identified[c] ? "" : " *"), money(move.current[c]), money(move.spend[c]),
        [simulator.amount(objective, move.channels[c].change, true),
          simulator.intervalText(objective, move.channels[c].interval)]
      ]};
    });
    rows.push({className: "sim-total", cells: [
      "Total", money(move.current[0] + move.current[1]), money(move.spend[0] + move.spend[1]),
      [simulator.amount(objective, move.change, true),
        simulator.intervalText(objective, move.interval)]
    ]});
    var parts = [
      element("p", {"class": "sim-headline" + (verdict.advised ? "" : " sim-abstained")},
        [verdict.headline]),
      resultTable([["Canal"], ["Inversión actual", "number"],
        ["Inversión tras el movimiento", "number"], [changeHeader(simulator, objective), "number"]],
        rows)
    ];
    verdict.lines.forEach(function (line) { parts.push(element("p", {"class": "sim-note"}, [line])); });
    if (move.identified.indexOf(false) >= 0) {
      parts.push(element("p", {"class": "sim-note"}, ["* Canal que los datos no distinguen: " +
        "mover dinero a su cuenta es una apuesta que los datos no respaldan."]));
    }
    return parts;
  }

  var simulator = window.CerebroSimulator;
  if (!simulator) { return; }
  var forms = {budget_plan: planForm, budget_move: moveForm};
  document.querySelectorAll("[data-widget]").forEach(function (container) {
    forms[container.getAttribute("data-widget")](simulator, container);
  });
})();
