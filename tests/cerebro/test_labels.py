"""cerebro.labels: the one table of Spanish names for codes. The static pages translate a card's
rows in Python and Metabase in SQL; both must give the same rows, in the same order (oracle:
the table itself, run through DuckDB for the SQL)."""

from __future__ import annotations

import duckdb
import pandas as pd

from cerebro.labels import (
    BY_COLUMN,
    JOB_NAMES,
    RUN_STATUSES,
    SOURCE_NAMES,
    country_name,
    in_tenant_words,
    label,
    labelled_sql,
    tenant_words,
    translate_frame,
)

ROWS = pd.DataFrame(
    {
        "source_name": ["search_console", "google_ads", "tap_nuevo", None],
        "run_status": ["SUCCESS", "FAILURE", "CANCELED", "SUCCESS"],
        "rows_landed": [10, 20, 30, 40],
    }
)


def test_named_columns_show_names_and_unknown_codes_stay_as_they_are():
    shown = translate_frame(ROWS)
    assert shown["source_name"][:3].tolist() == ["Search Console", "Google Ads", "tap_nuevo"]
    assert pd.isna(shown["source_name"][3])
    assert shown["run_status"].tolist() == ["Exitosa", "Fallida", "Cancelada", "Exitosa"]
    assert shown["rows_landed"].tolist() == [10, 20, 30, 40]
    assert ROWS["source_name"][0] == "search_console"  # the caller's frame is left alone
    assert label("job_name", "cerebro_platform") == "Plataforma completa"
    assert label("comuna", "google_ads") == "google_ads"  # only named columns are translated


def test_a_frame_without_named_columns_is_returned_unchanged():
    frame = pd.DataFrame({"value": [1.5]})
    assert translate_frame(frame) is frame
    assert labelled_sql("select 1 as value", ["value"]) == "select 1 as value"


def test_metabase_sql_translates_the_same_codes_in_the_same_order_as_the_pages():
    # The comment must not swallow the wrapper's closing parenthesis.
    sql = "select * from rows order by rows_landed desc -- a trailing comment"
    connection = duckdb.connect()
    connection.register("rows", ROWS)
    translated = connection.execute(labelled_sql(sql, list(ROWS.columns))).df()
    expected = translate_frame(ROWS.sort_values("rows_landed", ascending=False))
    pd.testing.assert_frame_equal(translated, expected.reset_index(drop=True), check_dtype=False)


def test_a_name_with_a_quote_is_escaped_in_sql():
    names = dict(SOURCE_NAMES)
    try:
        SOURCE_NAMES["tienda_o"] = "Tienda O'Higgins"
        connection = duckdb.connect()
        sql = "select 'tienda_o' as source_name"
        assert connection.execute(labelled_sql(sql, ["source_name"])).fetchone() == (
            "Tienda O'Higgins",
        )
    finally:
        SOURCE_NAMES.clear()
        SOURCE_NAMES.update(names)


def test_every_name_is_spanish_text_distinct_within_its_table():
    for column, names in BY_COLUMN.items():
        assert len(set(names.values())) == len(names), column
        for code, name in names.items():
            assert name and name != code.upper() and "_" not in name, (column, code, name)
    assert set(RUN_STATUSES) >= {"SUCCESS", "FAILURE", "CANCELED", "STARTED", "QUEUED"}
    assert "__ASSET_JOB" in JOB_NAMES
    assert country_name("PE") == "Perú" and country_name("ZZ") == "ZZ"


def test_every_landed_source_and_dagster_job_has_a_name():
    from cerebro.tenants import TAP_EXECUTABLES
    from tests.support.dbt_manifest import prepared_dbt_manifest

    prepared_dbt_manifest()  # the jobs module reads the dbt manifest, absent in a fresh clone
    from orchestration import jobs

    assert set(TAP_EXECUTABLES) <= set(SOURCE_NAMES)
    declared = {
        value.name
        for value in vars(jobs).values()
        if type(value).__name__ == "UnresolvedAssetJobDefinition"  # define_asset_job's
    }
    assert len(declared) >= 5 and declared <= set(JOB_NAMES)


def test_a_tenants_words_follow_its_country_and_currency():
    """Issue 52: a Peruvian page said "por cada peso", "RUT" and "comuna". The specs write
    Chile's words; Peru's are its own (sol, DNI/RUC, distrito), whole words, capitals kept."""
    text = "Por cada peso: órdenes por comuna (Comunas), RUT válido, RUTA 5, pesos"
    assert in_tenant_words(text, "PE", "PEN") == (
        "Por cada sol: órdenes por distrito (Distritos), DNI/RUC válido, RUTA 5, soles"
    )
    assert in_tenant_words(text, "CL", "CLP") == text
    # The currency alone decides the unit: a Spanish tenant in euros keeps Chile's other words.
    assert in_tenant_words("por cada peso, por comuna", "ES", "EUR") == "por cada euro, por comuna"
    assert tenant_words("CL", "CLP") == {}
    # Names of codes follow the tenant too: the identity rule and an address without a place.
    assert label("match_rule", "rut", "PE", "PEN") == "Mismo DNI/RUC"
    assert label("comuna", "Sin comuna", "PE", "PEN") == "Sin distrito"
    assert label("comuna", "Miraflores", "PE", "PEN") == "Miraflores"
