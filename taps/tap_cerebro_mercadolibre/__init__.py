"""Singer tap for Mercado Libre: a seller's orders (the store's streams) and Product Ads."""
