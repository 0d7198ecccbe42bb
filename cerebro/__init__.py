"""Cerebro's library, drawn as a floor plan: data goes up, imports go down (decision 0056).

The modules at this level are the ground every floor stands on: settings, the tenants file's
schema (``tenants``, ``yaml_schema``, ``segment_names``), the warehouse connection and its Spark
engine (``warehouse``, ``spark/``), the words and numbers users read (``formatting``,
``labels``), output files, the terminal, interrupts, a full disk, progress lines, the CSV input
the models read and when they are refitted (``model_refresh``). Above them, ``landing/`` brings
the data in, ``serving/`` shows it, ``actions/`` acts on it and ``cli/`` is the command line on
top. A module imports only from its own floor or below, never from a floor above
(``lint-imports``, the layers contract in pyproject.toml).
"""
