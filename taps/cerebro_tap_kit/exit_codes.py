"""How a tap's or the target's exit code tells a foreseen failure from a crash.

Apart from ``clear_errors`` (which needs singer-sdk, over a second to import) so that the
landing, which reads the code, does not load singer-sdk into every Cerebro process.
"""

#: Exit code of a foreseen failure, said in one line (the SDK exits 1 on a config that fails
#: its schema).
CLEAR_ERROR_EXIT_CODE = 2
