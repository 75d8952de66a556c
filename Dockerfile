# Dateline in a container: one `dateline run` process, as an unprivileged user.
#   /data      the only writable place: SQLite store and index cache (a volume)
#   /archive   the news archive, mounted read-only
#   /etc/dateline/config.toml   settings (deploy/docker/config.toml; mount your own over it)
# The token comes from the secret file /run/secrets/discord_token (see compose.yaml).
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/dateline
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . \
    && groupadd --system --gid 10001 dateline \
    && useradd --system --uid 10001 --gid dateline --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin dateline \
    && mkdir -p /data /archive \
    && chown dateline:dateline /data
COPY deploy/docker/config.toml /etc/dateline/config.toml

ENV DATELINE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 9108
USER 10001:10001
# Run from a folder the process cannot write: everything it writes goes to /data.
WORKDIR /

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4)"]

ENTRYPOINT ["dateline"]
CMD ["run", "--config", "/etc/dateline/config.toml"]
