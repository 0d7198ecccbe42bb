"""Singer tap for the WooCommerce REST API (wc/v3): a WordPress store's customers, orders and
their lines, payments, refunds and completions, landed as the raw contract's store streams."""
