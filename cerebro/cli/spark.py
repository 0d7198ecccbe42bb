"""`cerebro spark …`: the dbt project on Apache Spark (an optional extra, `make setup-spark`)."""

from __future__ import annotations

from pathlib import Path

import click

from cerebro.settings import settings_with


@click.group()
def spark() -> None:
    """The dbt project on Apache Spark (install it with `make setup-spark`)."""


@spark.command()
@click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Where the landed warehouse lives."
)
def build(data_dir: Path | None) -> None:
    """Build the staging models, facts and marts on Spark from the landed warehouse.

    The warehouse's sources (run `cerebro run` first) are written as Parquet under
    CEREBRO_SPARK_HOME (default <data dir>/spark), registered as Spark tables, then
    `dbt seed` and `dbt build` run on the profile's spark target.
    """
    from cerebro.spark.build import build_on_spark
    from cerebro.spark.landing import LandingError
    from cerebro.warehouse import SparkBuildError

    settings = settings_with(data_dir=data_dir)
    try:
        done = build_on_spark(settings)
    except (SparkBuildError, LandingError) as error:
        raise click.ClickException(str(error)) from error
    rows = sum(table.rows for table in done.landed)
    click.echo(f"Landing: {len(done.landed)} tables, {rows:,} rows as Parquet")
    for step, seconds in done.seconds.items():
        click.echo(f"  {step:<25} {seconds:7.1f} s")
    click.echo(f"Built on Spark · dbt's output in {done.log}")
