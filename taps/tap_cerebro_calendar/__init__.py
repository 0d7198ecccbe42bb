"""tap-cerebro-calendar: public holidays and commercial events, for models and dashboards."""
