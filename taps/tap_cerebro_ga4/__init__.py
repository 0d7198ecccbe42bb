"""tap-cerebro-ga4: GA4 sessions, users, engaged sessions and key events per day and source."""
