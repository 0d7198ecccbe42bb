"""tap-cerebro-search-console: Search Console analytics per day, by date, page and query."""
