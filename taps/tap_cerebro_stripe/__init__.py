"""Singer tap for the Stripe API: a subscription or online business's customers, charges and
invoices (as the raw contract's store orders), refunds, and its subscriptions."""
