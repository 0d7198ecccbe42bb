"""The test suite: it mirrors the packages it tests; helpers are imported as tests.<path>."""
