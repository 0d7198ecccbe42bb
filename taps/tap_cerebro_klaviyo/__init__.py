"""tap-cerebro-klaviyo: what Klaviyo recorded about the e-mails Cerebro's lists received."""
