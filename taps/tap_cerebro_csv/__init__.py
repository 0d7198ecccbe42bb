"""tap-cerebro-csv: store exports (ad spend, customers, orders, ...) from CSV files, validated."""
