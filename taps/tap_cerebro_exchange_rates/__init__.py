"""tap-cerebro-exchange-rates: daily rates from Banco Central de Chile's statistics API (BDE)."""
