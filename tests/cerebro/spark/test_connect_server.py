"""dbt reaches Spark inside its own process, or through a Spark Connect server: the configured
one, or (``local``) one started on this machine with the profile's Spark settings
(cerebro/spark/connect_server.py).

The server's real use, partition runs on the Spark demo through it, is in
tests/platform/test_platform_on_spark.py; these are its settings and failures."""

from __future__ import annotations

import importlib.util

import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.settings import SettingsError, load_settings
from cerebro.spark import connect_server
from cerebro.spark.connect_server import local_server_conf, reach_spark
from cerebro.warehouse import SparkBuildError


def _spark_settings(tmp_path, **environ):
    environ = {"CEREBRO_DATA_DIR": str(tmp_path), "CEREBRO_WAREHOUSE": "spark", **environ}
    return load_settings(environ)


def test_the_local_server_has_the_spark_targets_settings_rendered_for_this_install(tmp_path):
    settings = _spark_settings(tmp_path, CEREBRO_SPARK_MASTER="local[1]")

    conf = local_server_conf({**settings.dbt_env(), "CEREBRO_SPARK_MASTER": "local[1]"})

    home = tmp_path / "spark"
    assert conf["spark.master"] == "local[1]"  # from the environment
    assert conf["spark.driver.memory"] == "3g"  # the profile's default
    assert conf["spark.sql.warehouse.dir"] == f"{home}/warehouse"
    assert conf["spark.hadoop.javax.jdo.option.ConnectionURL"] == (
        f"jdbc:derby:;databaseName={home}/metastore_db;create=true"
    )
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.catalogImplementation"] == "hive"
    assert not any("{{" in value for value in conf.values())


def test_dbt_goes_through_connect_only_when_a_server_is_named(tmp_path):
    in_dbt = _spark_settings(tmp_path).dbt_env()
    # A server still to start names no address yet (reach_spark names it once it listens).
    to_start = _spark_settings(tmp_path, CEREBRO_SPARK_REMOTE="local").dbt_env()
    remote = _spark_settings(tmp_path, CEREBRO_SPARK_REMOTE="sc://spark.example:15002").dbt_env()

    for env in (in_dbt, to_start):
        assert "SPARK_REMOTE" not in env and "CEREBRO_DBT_TARGET" not in env
    assert remote["SPARK_REMOTE"] == "sc://spark.example:15002"
    assert remote["CEREBRO_DBT_TARGET"] == "spark_connect"


def test_an_address_that_is_not_spark_connects_is_one_line(tmp_path, monkeypatch):
    with pytest.raises(SettingsError, match=r"^CEREBRO_SPARK_REMOTE='http://spark:10000' is not"):
        _spark_settings(tmp_path, CEREBRO_SPARK_REMOTE="http://spark:10000")

    monkeypatch.setenv("CEREBRO_SPARK_REMOTE", "spark:15002")
    result = CliRunner().invoke(main, ["spark", "build", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        "Error: CEREBRO_SPARK_REMOTE='spark:15002' is not a Spark Connect address: write it "
        "sc://host:port, or local to start a server on this machine (or unset it to run Spark "
        "inside dbt)\n"
    )


ELSEWHERE = [
    {"CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_SPARK_REMOTE": "local"},
    {"CEREBRO_SPARK_REMOTE": "sc://spark.example:15002"},
    {},  # Spark inside each dbt process
]


@pytest.mark.parametrize("environ", ELSEWHERE)
def test_nothing_is_started_off_spark_or_unless_asked(tmp_path, monkeypatch, environ):
    def no_server(*args):
        raise AssertionError("a server was started")

    monkeypatch.setattr(connect_server, "local_connect_server", no_server)
    settings = _spark_settings(tmp_path, **environ)

    with reach_spark(settings) as reached:
        assert reached == settings


@pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None,
    reason="the Spark extra is not installed (make setup-spark)",
)
def test_a_server_that_cannot_start_is_one_line_naming_its_log_and_leaves_nothing(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CEREBRO_SPARK_DRIVER_MEMORY", "lots")  # the profile reads it
    settings = _spark_settings(tmp_path, CEREBRO_SPARK_REMOTE="local")

    with pytest.raises(SparkBuildError) as stopped, reach_spark(settings):
        pytest.fail("the block ran without a server")

    log = tmp_path / "logs" / "spark-connect-server.log"
    message = str(stopped.value)
    assert message.startswith(
        "the local Spark Connect server stopped while starting: Invalid maximum heap size: -Xmxlots"
    )
    assert message.endswith(f"(log: {log})")
    assert "\n" not in message
    assert log.is_file()
