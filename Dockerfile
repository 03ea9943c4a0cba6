# The bot as a container: the app and its migrations, run as a non-root user.
# Build: docker build -t kinerja-bot .   Run: see compose.yaml and the README's "Production".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY core ./core
COPY storage ./storage
COPY fakeapi ./fakeapi
RUN pip install . && rm -rf /app/build

# Documents are kept under /data/files: a volume, shared by every bot process of one office.
RUN useradd --system --uid 10001 --create-home --home-dir /home/kinerja kinerja \
    && mkdir -p /data \
    && chown kinerja:kinerja /data
USER kinerja
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8443

ENTRYPOINT ["kinerja-bot"]
CMD ["run"]
