# locum in a container: `docker build -t locum .` then `docker run -p 8700:8700 -v locum-data:/data locum`.
# The SQLite database and the master key live in the /data volume; set LOCUM_DATABASE_URL for PostgreSQL
# (compose.yaml). Checked by hadolint in the test suite (tests/cli/test_container.py).

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# Wheels of locum and of every dependency (all publish manylinux wheels: no compiler needed), installed
# into a virtualenv that the final stage copies: neither the wheels nor the build tools reach the image.
FROM ${PYTHON_IMAGE} AS build
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels . \
    && python -m venv --without-pip /opt/locum \
    && pip --python /opt/locum/bin/python install --no-cache-dir --no-index /wheels/*.whl

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/locum/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOCUM_DATA_DIR=/data
COPY --from=build /opt/locum /opt/locum
RUN groupadd --system --gid 10001 locum \
    && useradd --system --uid 10001 --gid locum --home-dir /data --no-create-home locum \
    && mkdir /data \
    && chown locum:locum /data
# By number, so that runtimes checking for a non-root user (runAsNonRoot) can tell.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8700
# /healthz answers once the server is up; urllib raises (exit 1) on a refused connection or an error status.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('LOCUM_PORT', '8700') + '/healthz', timeout=4)"]
ENTRYPOINT ["locum"]
CMD ["serve", "--host", "0.0.0.0"]
