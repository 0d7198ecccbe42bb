"""Customer value: a purchase model, BG/NBD (Fader, Hardie & Lee 2005) or MBG/NBD (Batislam,
Denizel & Filiztekin 2007) chosen per tenant by backtest, and Gamma-Gamma (Fader & Hardie 2013).

Four levels, each importable on its own (this package imports nothing, so the tenants file
can read `settings` without loading scipy):
- math: `bgnbd_math`, `mbgnbd_math`, `gamma_gamma_math`, `value` (pure functions on arrays);
- estimators: `bgnbd.BetaGeoModel`, `mbgnbd.ModifiedBetaGeoModel` (what they share:
  `purchase_model.PurchaseModel`), `gamma_gamma.GammaGammaModel` (scikit-learn's contract);
- use cases: `transactions`, `predict.predict_customer_value`, `backtest`, `model_choice`
  (which purchase model scores a tenant), `segments`,
  `tenant.run_tenant` and the rows of the ML output tables (`records`), `guards`, and the
  warnings about data that fits but may mislead (`data_checks`);
- in the warehouse: the summaries the fits read (`sql_summaries`) and every customer scored
  from the scored histories (`sql_scoring`, `tenant.fit_tenant_in_warehouse`);
- persistence: `persistence` (plain JSON).
"""
