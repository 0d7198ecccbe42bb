"""Singer tap for the Shopify Admin GraphQL API (customers, orders and their lists, checkouts)."""
