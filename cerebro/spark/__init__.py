"""Apache Spark as a warehouse for the dbt project: the Parquet landing and the build."""
