"""tap-cerebro-meta-ads: Meta Marketing API campaign insights, daily, into Cerebro's contract."""
