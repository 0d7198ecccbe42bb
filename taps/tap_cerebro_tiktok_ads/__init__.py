"""tap-cerebro-tiktok-ads: TikTok Marketing API campaign reports, daily, into Cerebro's contract."""
