"""tap-cerebro-whatsapp: what became of the WhatsApp messages Cerebro's activation sent."""
