"""tap-cerebro-google-ads: Google Ads campaign performance, daily, into Cerebro's contract."""
