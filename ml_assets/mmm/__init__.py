"""The budget brain: marketing-mix model, response curves, budget optimizer and scenarios.

Four levels, as every model in ``ml_assets``:

- math: ``transforms`` (adstock, Hill; Jin et al. 2017), ``curves`` (response per posterior
  draw), ``optimizer`` (SLSQP, KKT);
- estimator: ``model.MarketingMixModel`` (scikit-learn's contract), Bayesian: ``priors``,
  ``posterior`` (NUTS with numpyro, the baseline integrated out), ``identification``;
- use cases, DataFrame in and out: ``workflow.fit_mmm``, ``summary``, ``budget.plan_budget``,
  ``scenarios``, ``tenant`` (the platform's per-tenant run), ``guards`` (asset checks);
- persistence: ``persistence`` (plain JSON, no pickle).

``simulate`` generates data with known truth for tests; ``benchmarks/mmm_suite`` holds an
independent simulator for ``benchmarks/mmm_benchmark.py``.
"""
