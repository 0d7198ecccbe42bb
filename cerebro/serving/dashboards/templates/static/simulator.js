// Cerebro's Simulador in the browser: plans any budget and values any move between channels on
// the marketing-mix model's response curves, embedded in the page (simulator.py). No network.
// The forms that read and show them are simulator_forms.js.
//
// The plan is the one `cerebro mmm optimize` makes (ml_assets/mmm/budget.py): maximize
//   sum_c w_c f_c(s_c)  subject to  sum_c s_c = budget per day,  bounds per channel,
// with f_c the posterior mean curve and w_c the value of one unit of the target (1, or a new
// customer's value for customer value). Channels the data identify move between 0 and 3 times
// today's spend; the others move only together, as one pool in today's proportions. The search
// is exact on a grid of the budget over the curves' tables (dynamic programming over the
// channels, as optimizer.grid_optimum), refined on finer grids around the best point; then on
// the mean curves themselves (where the optimizer runs SLSQP) from that point and from the
// curves' own grid optimum, the better winning, until the step is 1/100 000 of the budget.
// Changes and their 90 % interval are the posterior draws' (each draw's own curve), as the
// Python side takes them.
(function () {
  "use strict";

  // -- numbers in the tenant's locale (cerebro/formatting.py) ----------------------------------
  function Locale(spec) { this.spec = spec; }

  Locale.prototype.number = function (value, decimals) {
    if (value === null || value === undefined || !isFinite(value)) { return "—"; }
    var factor = Math.pow(10, decimals);
    // Half away from zero, as the Python side rounds.
    var rounded = Math.round(Math.abs(value) * factor) / factor;
    var negative = value < 0 && rounded !== 0;
    var parts = rounded.toFixed(decimals).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, this.spec.group);
    var text = decimals > 0 ? whole + this.spec.decimal + parts[1] : whole;
    return (negative ? "-" : "") + text;
  };

  Locale.prototype.money = function (value, signed) {
    var digits = this.spec.currency_decimals;
    var text = this.number(Math.abs(value), digits);
    var zero = Math.round(Math.abs(value) * Math.pow(10, digits)) === 0;
    var sign = value < 0 && !zero ? "-" : (signed && !zero ? "+" : "");
    return sign + this.spec.currency_prefix + text + this.spec.currency_suffix;
  };

  // A typed amount: the currency's affixes and spaces aside, digits grouped with the locale's
  // group symbol (or not grouped) and decimals after its decimal symbol. NaN when it is not one.
  Locale.prototype.parse = function (text) {
    var clean = String(text).replace(/\s|\u00a0/g, "");
    [this.spec.currency_prefix, this.spec.currency_suffix].forEach(function (affix) {
      var bare = affix.replace(/\s|\u00a0/g, "");
      if (bare) { clean = clean.split(bare).join(""); }
    });
    var group = this.spec.group.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    var decimal = this.spec.decimal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    var grouped = new RegExp("^-?\\d{1,3}(" + group + "\\d{3})+(" + decimal + "\\d+)?$");
    var plain = new RegExp("^-?\\d+(" + decimal + "\\d+)?$");
    if (!grouped.test(clean) && !plain.test(clean)) { return NaN; }
    return Number(clean.split(this.spec.group).join("").replace(this.spec.decimal, "."));
  };

  // -- curves (ml_assets/mmm/curves.py) --------------------------------------------------------
  // The posterior mean curve's table: slopes on a grid, values their exact integral; beyond the
  // grid the curve goes on with its last segment's slope (TabulatedCurve).
  function tableValue(table, spend) {
    var grid = table.spend, n = grid.length;
    var low = 0, high = n;  // searchsorted(side="right") - 1, clipped to [0, n - 2]
    while (low < high) {
      var middle = (low + high) >> 1;
      if (grid[middle] <= spend) { low = middle + 1; } else { high = middle; }
    }
    var index = Math.min(Math.max(low - 1, 0), n - 2);
    var width = grid[index + 1] - grid[index];
    var slope = spend > grid[n - 1] ? 0 : (table.marginals[index + 1] - table.marginals[index]) / width;
    var offset = spend - grid[index];
    return table.values[index] + table.marginals[index] * offset + 0.5 * slope * offset * offset;
  }

  // Hill saturation as transforms.hill computes it: expit(S * log(x / K)), 0 where x <= 0.
  function hill(x, halfSaturation, shape) {
    if (x <= 0) { return 0; }
    return 1 / (1 + Math.exp(-shape * (Math.log(x) - Math.log(halfSaturation))));
  }

  // f_d(s) for every draw d at spend s per model period (CurveDraws.draw_values).
  function drawValues(channel, spend) {
    var values = new Array(channel.coefficient.length);
    for (var d = 0; d < values.length; d++) {
      var profile = channel.profiles[d], total = 0;
      for (var p = 0; p < profile.length; p++) {
        total += hill(spend * profile[p], channel.half_saturation[d], channel.shape[d]);
      }
      values[d] = channel.coefficient[d] * total / profile.length;
    }
    return values;
  }

  // The posterior mean curve at spend s per model period by its exact values and slopes at
  // points dense near no spend, cubic Hermite pieces between them, its last slope beyond
  // (curves.HermiteCurve, what the optimizer's grid optimum reads).
  function meanValue(channel, spend) {
    var curve = channel.hermite, grid = curve.spend, n = grid.length;
    if (spend <= 0) { return curve.values[0]; }
    if (spend >= grid[n - 1]) {
      return curve.values[n - 1] + curve.marginals[n - 1] * (spend - grid[n - 1]);
    }
    var low = 0, high = n - 1;
    while (high - low > 1) {
      var middle = (low + high) >> 1;
      if (grid[middle] <= spend) { low = middle; } else { high = middle; }
    }
    var width = grid[high] - grid[low], t = (spend - grid[low]) / width;
    var t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * curve.values[low] + (t3 - 2 * t2 + t) * width * curve.marginals[low] +
      (-2 * t3 + 3 * t2) * curve.values[high] + (t3 - t2) * width * curve.marginals[high];
  }

  // numpy.percentile (linear) of the draws, widened to contain the point (summary.interval).
  function interval(draws, point, level) {
    var sorted = draws.slice().sort(function (a, b) { return a - b; });
    var tail = 100 * (1 - level) / 2;
    function percentile(q) {
      var h = (sorted.length - 1) * q / 100, low = Math.floor(h);
      var high = Math.min(low + 1, sorted.length - 1);
      return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }
    return [Math.min(percentile(tail), point), Math.max(percentile(100 - tail), point)];
  }

  function mean(values) {
    var total = 0;
    for (var i = 0; i < values.length; i++) { total += values[i]; }
    return total / values.length;
  }

  // -- the search --------------------------------------------------------------------------
  // The best sum of gains[u][k] with sum of k = steps, 0 <= k < gains[u].length (dynamic
  // programming over the units, as optimizer.grid_optimum); null when no split fits.
  function bestSplit(gains, steps) {
    var best = new Float64Array(steps + 1).fill(-Infinity);
    best[0] = 0;
    var choices = [];
    gains.forEach(function (gain) {
      var next = new Float64Array(steps + 1).fill(-Infinity);
      var choice = new Int32Array(steps + 1);
      for (var b = 0; b <= steps; b++) {
        for (var k = 0; k < gain.length && k <= b; k++) {
          var candidate = best[b - k] + gain[k];
          if (candidate > next[b]) { next[b] = candidate; choice[b] = k; }
        }
      }
      choices.push(choice);
      best = next;
    });
    if (!isFinite(best[steps])) { return null; }
    var split = new Array(gains.length), left = steps;
    for (var u = gains.length - 1; u >= 0; u--) { split[u] = choices[u][left]; left -= split[u]; }
    return split;
  }

  // Each unit's spend in [low, high] within [from, to], on a grid of `steps` steps of what is
  // left of `total` above `from`: the best split on that grid, or null.
  function gridSearch(units, total, from, to, steps, curve) {
    var base = from.reduce(function (a, b) { return a + b; }, 0);
    var free = total - base;
    if (free <= 0) { return from.slice(); }
    var step = free / steps;
    var gains = units.map(function (unit, u) {
      var most = Math.min(Math.floor((to[u] - from[u]) / step + 1e-9), steps);
      var gain = new Array(most + 1);
      for (var k = 0; k <= most; k++) { gain[k] = unit.weight * unit[curve](from[u] + k * step); }
      return gain;
    });
    var split = bestSplit(gains, steps);
    return split && split.map(function (k, u) { return from[u] + k * step; });
  }

  // Steps per unit of the finer grids: on the tables, cheap to read; on the exact curves, each
  // point an average over every draw's profile (a hundred thousand terms), so fewer, finer
  // grids.
  var TABLE_STEPS_PER_UNIT = 50, EXACT_STEPS_PER_UNIT = 10;

  // clip(point + t, lower, upper) summing to `total` (optimizer.project_to_budget), by bisection.
  function projectToBudget(point, total, lower, upper) {
    function at(t) {
      return point.map(function (p, u) { return Math.min(Math.max(p + t, lower[u]), upper[u]); });
    }
    function sum(values) { return values.reduce(function (a, b) { return a + b; }, 0); }
    var low = -total - Math.max.apply(null, point), high = total + Math.max.apply(null, upper);
    for (var i = 0; i < 200; i++) {
      var middle = (low + high) / 2;
      if (sum(at(middle)) < total) { low = middle; } else { high = middle; }
    }
    return at(high);
  }

  // Finer grids around `spend`, each window `step` either side (clipped to the bounds), until
  // the step is `precision` of the budget; a point on its window's edge (not a bound) is
  // searched again around it at the same step, so the search can travel.
  function refine(units, total, spend, step, curve, precision, perUnit) {
    var lower = units.map(function (u) { return u.low; });
    var upper = units.map(function (u) { return u.high; });
    var steps = perUnit * units.length;
    var moves = 0;
    while (step > precision * total) {
      var from = spend.map(function (s, u) { return Math.max(lower[u], s - step); });
      var to = spend.map(function (s, u) { return Math.min(upper[u], s + step); });
      var finer = gridSearch(units, total, from, to, steps, curve);
      if (!finer) { break; }
      var onEdge = finer.some(function (s, u) {
        return (s <= from[u] && from[u] > lower[u]) || (s >= to[u] && to[u] < upper[u]);
      });
      spend = finer;
      if (onEdge && moves++ < MAX_MOVES) { continue; }
      step = (total - from.reduce(function (a, b) { return a + b; }, 0)) / steps;
    }
    return spend;
  }

  var MAX_MOVES = 20;

  function exactValue(units, spend) {
    return units.reduce(function (a, unit, u) { return a + unit.weight * unit.exact(spend[u]); }, 0);
  }

  // The optimizer's search (budget._maximize): the best split on a grid of the budget over the
  // curves' tables, refined on the tables; then a search on the exact posterior mean curves
  // from that point and from the exact curves' own grid optimum, the better winning (where the
  // optimizer runs SLSQP, finer grids around each point).
  function maximize(units, total, grid, start) {
    var lower = units.map(function (u) { return u.low; });
    var upper = units.map(function (u) { return u.high; });
    var step = (total - lower.reduce(function (a, b) { return a + b; }, 0)) / grid;
    // Where the bounds leave no room for the grid's whole steps (a budget at the sum of the
    // upper bounds), the search starts from today's split scaled, as the optimizer's other
    // starts do.
    var rough = gridSearch(units, total, lower, upper, grid, "table") ||
      projectToBudget(start, total, lower, upper);
    rough = refine(units, total, rough, step, "table", 1e-4, TABLE_STEPS_PER_UNIT);
    var best = refine(units, total, rough, step, "exact", 1e-5, EXACT_STEPS_PER_UNIT);
    var coarse = gridSearch(units, total, lower, upper, grid, "exact");
    if (coarse) {
      var other = refine(units, total, coarse, step, "exact", 1e-5, EXACT_STEPS_PER_UNIT);
      var value = exactValue(units, best);
      if (exactValue(units, other) > value + 1e-12 * Math.max(Math.abs(value), 1)) { best = other; }
    }
    return best;
  }

  // -- plans and moves ---------------------------------------------------------------------
  function Simulator(data) {
    this.data = data;
    this.locale = new Locale(data.locale);
  }

  Simulator.prototype.objective = function (key) {
    return this.data.objectives.filter(function (o) { return o.key === key; })[0];
  };

  Simulator.prototype.model = function (objective) { return this.data.models[objective.target]; };

  // Value of one unit of the target per channel (1 where the objective gives none).
  Simulator.prototype.weights = function (objective) {
    return this.model(objective).channels.map(function (c) {
      var value = objective.values[c.name];
      return value === undefined ? 1 : value;
    });
  };

  Simulator.prototype.currentBudget = function (objectiveKey) {
    var model = this.model(this.objective(objectiveKey));
    return model.channels.reduce(function (a, c) { return a + c.current; }, 0) * this.data.plan_days;
  };

  Simulator.prototype.maxBudget = function (objectiveKey) {
    return this.data.max_ratio * this.currentBudget(objectiveKey);
  };

  // Changes per draw and channel between two spends per day (over the plan's days): each
  // channel's value at the new spend less at the old one, in the objective's unit.
  Simulator.prototype.changes = function (objective, oldSpend, newSpend) {
    var model = this.model(objective), period = model.period_days, days = this.data.plan_days;
    var weights = this.weights(objective);
    var draws = null;
    var channels = model.channels.map(function (channel, c) {
      var after = drawValues(channel, newSpend[c] * period);
      var before = drawValues(channel, oldSpend[c] * period);
      var perDraw = after.map(function (v, d) {
        return weights[c] * (v - before[d]) / period * days;
      });
      draws = draws ? draws.map(function (t, d) { return t + perDraw[d]; }) : perDraw.slice();
      var point = mean(perDraw);
      return {name: channel.name, change: point, interval: interval(perDraw, point, model.interval)};
    });
    var total = channels.reduce(function (a, c) { return a + c.change; }, 0);
    return {channels: channels, change: total, interval: interval(draws, total, model.interval)};
  };

  // The optimal split of `budget` (over the plan's days), as budget.plan_budget makes it.
  Simulator.prototype.plan = function (objectiveKey, budget) {
    var objective = this.objective(objectiveKey), model = this.model(objective);
    var period = model.period_days, days = this.data.plan_days, ratio = this.data.max_ratio;
    var weights = this.weights(objective);
    var channels = model.channels;
    var current = channels.map(function (c) { return c.current; });
    var daily = budget / days;
    var units = [], pooled = [];
    channels.forEach(function (channel, c) {
      if (!channel.identified) { pooled.push(c); return; }
      units.push({
        members: [c], shares: [1], weight: weights[c], low: 0, high: ratio * current[c],
        table: function (s) { return tableValue(channel.table, s * period) / period; },
        exact: function (s) { return meanValue(channel, s * period) / period; }
      });
    });
    if (pooled.length) {
      var poolCurrent = pooled.reduce(function (a, c) { return a + current[c]; }, 0);
      var shares = pooled.map(function (c) {
        return poolCurrent > 0 ? current[c] / poolCurrent : 1 / pooled.length;
      });
      var room = Math.max(daily - units.reduce(function (a, u) { return a + u.high; }, 0), 0);
      units.push({
        members: pooled, shares: shares, weight: 1, low: 0,
        high: Math.max(ratio * poolCurrent, room),
        table: function (s) {
          return pooled.reduce(function (a, c, i) {
            return a + weights[c] * tableValue(channels[c].table, s * shares[i] * period) / period;
          }, 0);
        },
        exact: function (s) {
          return pooled.reduce(function (a, c, i) {
            return a + weights[c] * meanValue(channels[c], s * shares[i] * period) / period;
          }, 0);
        }
      });
    }
    var highest = units.reduce(function (a, u) { return a + u.high; }, 0);
    if (daily > highest * (1 + 1e-12)) {
      return {error: "infeasible", highest: highest * days};
    }
    var scaled = units.map(function (unit) {
      return unit.members.reduce(function (a, c) { return a + current[c]; }, 0) * daily /
        current.reduce(function (a, s) { return a + s; }, 0);
    });
    var unitSpend = daily > 0 ? maximize(units, daily, this.data.grid_units, scaled) :
      units.map(function () { return 0; });
    var spend = current.map(function () { return 0; });
    units.forEach(function (unit, u) {
      unit.members.forEach(function (c, i) { spend[c] = unitSpend[u] * unit.shares[i]; });
    });
    var changes = this.changes(objective, current, spend);
    return {
      kind: "plan",
      objective: objective,
      budget: budget,
      current: current.map(function (s) { return s * days; }),
      spend: spend.map(function (s) { return s * days; }),
      identified: channels.map(function (c) { return c.identified; }),
      names: channels.map(function (c) { return c.name; }),
      channels: changes.channels,
      change: changes.change,
      interval: changes.interval,
      extra: budget - current.reduce(function (a, s) { return a + s; }, 0) * days
    };
  };

  // Moving `amount` (over the plan's days) from one channel to another.
  Simulator.prototype.move = function (objectiveKey, from, to, amount) {
    var objective = this.objective(objectiveKey), model = this.model(objective);
    var days = this.data.plan_days;
    var names = model.channels.map(function (c) { return c.name; });
    var current = model.channels.map(function (c) { return c.current; });
    var moved = current.slice();
    moved[names.indexOf(from)] -= amount / days;
    moved[names.indexOf(to)] += amount / days;
    var changes = this.changes(objective, current, moved);
    var kept = [names.indexOf(from), names.indexOf(to)];
    return {
      kind: "move",
      objective: objective,
      names: kept.map(function (c) { return names[c]; }),
      current: kept.map(function (c) { return current[c] * days; }),
      spend: kept.map(function (c) { return moved[c] * days; }),
      identified: kept.map(function (c) { return model.channels[c].identified; }),
      channels: kept.map(function (c) { return changes.channels[c]; }),
      change: changes.change,
      interval: changes.interval
    };
  };

  // -- words (the pages' and the terminal's: dbt macros budget_labels.sql, mmm_verdict.py) --
  Simulator.prototype.amount = function (objective, value, signed) {
    if (objective.money) { return this.locale.money(value, signed); }
    var text = this.locale.number(value, 1);
    return signed && Math.round(value * 10) > 0 ? "+" + text : text;
  };

  Simulator.prototype.changeText = function (objective, value) {
    var words = {
      ltv: " en valor de clientes esperado (LTV a 12 meses)",
      revenue: " en ingresos esperados",
      new_customers: " clientes nuevos esperados"
    };
    return this.amount(objective, value, true) + (words[objective.key] || "");
  };

  Simulator.prototype.intervalText = function (objective, bounds) {
    return "entre " + this.amount(objective, bounds[0]) + " y " + this.amount(objective, bounds[1]);
  };

  // The go-dark (or half-market) test that would measure `channel` (experiments.py).
  Simulator.prototype.experimentText = function (objective, channel, subject) {
    var test = this.model(objective).channels.filter(function (c) {
      return c.name === channel;
    })[0].experiment;
    var percent = this.locale.number(this.data.relative_error * 100, 0) + "%";
    return subject + " " + test.days + " días (o en la mitad de las regiones durante " +
      test.geo_days + " días) " + (test.feasible ?
        "mediría su efecto con un error de ±" + percent + "." :
        "daría una primera medida (su efecto es pequeño frente al ruido de los datos).");
  };

  // Whether the evidence backs a result, and in which words (decision 0050): a red light, or
  // an interval that reaches zero, keeps today's spend and names the test that would decide.
  Simulator.prototype.verdict = function (result, what) {
    var objective = result.objective, level = this.model(objective).interval;
    var probability = this.locale.number(level * 100, 0) + "%";
    var meaning = "Con " + probability + " de probabilidad, según el modelo, el cambio queda " +
      this.intervalText(objective, result.interval);
    var lines = [], advised = true, undecided = true;
    if (objective.red) {
      advised = false;
      lines.push("Mantener: el modelo tiene luz roja en Salud de datos" +
        (objective.red_text ? " (" + objective.red_text + ")" : "") +
        ", así que los datos no distinguen " + what + " de seguir como hoy.");
    } else if (!(result.interval[0] > 0)) {
      advised = false;
      var loss = result.interval[1] < 0;
      lines.push((loss && result.kind === "move" ?
        "No conviene: según el modelo, " + what + " pierde. " :
        "Mantener: los datos no distinguen " + what + " de seguir como hoy. ") + meaning +
        (loss ? ", es decir, una pérdida." : ", lo que incluye no ganar nada."));
      // A move that surely loses needs no test to decide it.
      undecided = !(loss && result.kind === "move");
    } else {
      lines.push(meaning + ".");
    }
    var share = this.data.min_move_share, deciding = null, most = 0;
    result.names.forEach(function (name, c) {
      var moved = Math.abs(result.spend[c] - result.current[c]);
      if (moved >= share * result.current[c] && moved > most) { most = moved; deciding = name; }
    });
    if (!advised && undecided && deciding) {
      lines.push(this.experimentText(objective, deciding, "Para decidirlo, apagar " + deciding));
    }
    result.names.forEach(function (name, c) {
      if (!result.identified[c] && name !== deciding) {
        lines.push("Sin datos para juzgar " + name + ": " +
          this.experimentText(objective, name, "apagarlo"));
      }
    }, this);
    return {advised: advised, lines: lines, headline: this.headline(result, probability)};
  };

  // The one-line result, as the Simulador's headline cards write it
  // (mart_budget_scenario_summaries.headline_text): no figure the evidence cannot tell from
  // nothing.
  Simulator.prototype.headline = function (result, probability) {
    var objective = result.objective;
    if (objective.red) { return "Sin conclusión: el modelo tiene luz roja en Salud de datos"; }
    if (result.interval[0] <= 0 && result.interval[1] >= 0) {
      return "Sin diferencia clara: con " + probability + " de probabilidad, " +
        this.intervalText(objective, result.interval);
    }
    var text = this.changeText(objective, result.change);
    var extra = result.extra || 0;
    // Within one minor unit of today's budget (a budget typed in whole pesos), the same budget.
    if (objective.money && Math.abs(extra) >= Math.pow(10, -this.data.locale.currency_decimals)) {
      text += "; neto de la inversión adicional: " + this.locale.money(result.change - extra, true);
    }
    return text;
  };

  var source = document.getElementById("simulator-data");
  if (!source) { return; }
  // The forms read it, and so may the browser tests and the curious: the same plan from the
  // console.
  window.CerebroSimulator = new Simulator(JSON.parse(source.textContent));
})();
