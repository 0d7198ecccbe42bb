"""One module per vendor, each a small client implementing
``cerebro.actions.activation.destination``."""
