"""tap-cerebro-amazon-ads: Amazon Ads Sponsored Products campaign reports, daily, into Cerebro's
contract."""
