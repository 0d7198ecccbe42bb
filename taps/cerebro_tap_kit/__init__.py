"""What Cerebro's taps share: an injectable clock, retries, daily report windows, OAuth.

Each tap's ``client.py`` keeps its vendor's quirks (how errors look, how long
to wait, how pages chain); this package keeps the mechanics that are the same
for every vendor, so they are written and tested once. Two of them are shared by
every tap, the demo's included: ``contract_stream`` (a stream's schema and keys
come from the raw contract, ``cerebro_raw_contract``) and ``clear_errors`` (a
foreseen failure is one log line and exit 2), which the target uses too.

The library (``cerebro``) reads vendor and file facts from here, never from a tap: the
spreadsheet grammar (``csv_reader``, ``csv_values``, ``csv_errors``) is the CSV tap's and the
command line's CSV input's; the Google Ads and Meta error shapes (``google_ads_errors``,
``meta_errors``) are the ad taps' and the activation destinations'.
"""
