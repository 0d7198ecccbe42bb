"""One module per vendor, each a small client implementing ``cerebro.activation.destination``."""
