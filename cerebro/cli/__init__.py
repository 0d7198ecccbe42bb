"""The top floor: the ``cerebro`` command line, one module per command group. ``main`` holds the
``cerebro`` group and its own commands (run, kpis, segment, ...) and adds the others: ``mmm``
and ``clv`` (the models on a user's CSV files), ``activation`` (``cerebro activate``),
``dashboards``, ``metabase``, ``reports`` (``cerebro report``), ``security`` and ``spark``. A
module belongs here when it parses a command's options and prints what happened; the work itself
lives on the floors below, which never import this package.
"""
