"""What each of Dagster's dbt steps selects (orchestration/dbt_assets.py).

Kept apart from the assets because defining them needs a parsed dbt manifest: the benchmarks
and the tests read these selections on a clean clone, before any dbt parse.
"""

#: The dbt tag of the models refreshed every hour (selector hourly_operations, decision 0034).
HOURLY_TAG = "hourly"

#: dbt unit tests check the SQL logic on fixed rows, not the data: they give the same answer on
#: every partition, so the partitioned step leaves them to CI and full builds (`dbt build`,
#: tests/dbt_project/quality) instead of paying their ~15 s on every tenant and day
#: (decision 0015).
PARTITION_RUN_EXCLUDES = ("--exclude-resource-type", "unit_test")

#: The macro tests on their fixed cases (models/macro_tests, seeds *_cases): like the unit tests,
#: the same answer on every run; CI runs them (tests/dbt_project/quality), Dagster's steps leave
#: them out rather than rebuild ~25 views, seeds and tests for every tenant and day.
MACRO_TESTS = "tag:macro_test"

#: The partitioned step builds models, the reference step seeds: reference data changes with
#: the code, so it is built when its files change, not on every tenant and day (decision 0019).
#: dbt picks a step's tests eagerly (any of a test's parents selected), so a test that reads a
#: model and a seed (fct_orders' gateways against payment_gateways) comes with the model, and
#: the reference step leaves out every model and with it such tests.
PARTITIONED_MODELS = "resource_type:model"
REFERENCE_DATA = "resource_type:seed"

#: Models on the ML outputs. Those outputs are dbt sources written by Python assets that read
#: the marts, so these models are a second dbt step: in one step the graph would be a cycle.
#: Everything downstream of staging/ml belongs there, wherever it lives (marts/ml, the budget,
#: executive and model-health marts), hence the `+` rather than a list of folders.
ML_MODELS = "path:models/staging/ml+"
