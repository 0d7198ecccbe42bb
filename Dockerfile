# The Cerebro image: the locked environment (uv.lock) and the code. docker-compose.yml runs it
# as the platform run, the Dagster code server, webserver and daemon, and the Metabase
# provisioning. The tenants file is not in it (.dockerignore): the stack mounts the operator's.
FROM python:3.11.11-slim-bookworm

# The uv version the Makefile pins.
RUN pip install --no-cache-dir uv==0.13.8

ENV UV_PROJECT_ENVIRONMENT=/opt/cerebro/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/cerebro/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CEREBRO_DATA_DIR=/opt/cerebro/data \
    DAGSTER_HOME=/opt/dagster/home

WORKDIR /opt/cerebro/app

# Dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# The code (explicit folders: no local data, virtualenv or git history in the image).
COPY cerebro ./cerebro
COPY orchestration ./orchestration
COPY ml_assets ./ml_assets
COPY taps ./taps
COPY dbt_project ./dbt_project
COPY metabase ./metabase
RUN uv sync --frozen --no-dev

# The dbt manifest the Dagster definitions are built from, parsed once here (nothing is
# parsed when the webserver or the daemon import the definitions).
RUN CEREBRO_WAREHOUSE=postgres python -c \
    "from orchestration.platform import prepare_dbt_manifest; prepare_dbt_manifest()"

COPY docker/dagster/dagster.yaml docker/dagster/workspace.yaml /opt/dagster/home/

# Run as an unprivileged user. The folders that named volumes mount are created here, owned by
# that user, so that Docker gives new volumes the same owner.
RUN useradd --create-home --uid 1000 cerebro \
    && mkdir -p /opt/cerebro/data /opt/cerebro/secrets /opt/dagster/home/storage \
    && chown -R cerebro /opt/cerebro/app /opt/cerebro/data /opt/cerebro/secrets /opt/dagster
USER cerebro

EXPOSE 3000
CMD ["cerebro", "--help"]
