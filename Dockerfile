# Parley: one binary and an SQLite file (or, for several nodes, PostgreSQL:
# PARLEY_STORE=postgresql://...; see compose.yaml).
#
#   docker build -t parley .
#   docker run -d --name parley -p 8080:8080 -v parley-data:/data parley
#   docker logs parley        # the first admin's generated password (first start only)
#
# The database lives in the /data volume. The demo FAQ seeds a new database only
# (scripts/docker-entrypoint.sh), as with `make run`.

# ---- build: the same commands the Makefile runs ----
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libwebsockets-dev libsqlite3-dev libjansson-dev libpcre2-dev libsodium-dev libunistring-dev \
      libcurl4-openssl-dev \
      libhiredis-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build -j "$(nproc)" \
 && chmod 0755 scripts/docker-entrypoint.sh

# ---- runtime: the shared libraries only ----
FROM debian:bookworm-slim
# libcurl4 and ca-certificates: webhooks POST to admin-configured http(s) URLs.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libwebsockets17 libwebsockets-evlib-ev libsqlite3-0 libjansson4 libpcre2-8-0 libsodium23 libunistring2 tzdata \
      libcurl4 ca-certificates libhiredis0.14 libpq5 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system parley \
 && useradd --system --gid parley --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin parley \
 && mkdir -p /data \
 && chown parley:parley /data

# The server finds its pages by itself: with no --web-root it tries
# <exe dir>/../widget, <exe dir>/../share/parley/web, then /usr/share/parley/web
# (server/config.c), and /usr/local/bin/parley reaches the last one.
COPY --from=build /src/build/parley /usr/local/bin/parley
COPY --from=build /src/widget/ /usr/share/parley/web/
COPY --from=build /src/faq/demo.json /usr/share/parley/faq/demo.json
COPY --from=build /src/scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

ENV PARLEY_DB=/data/parley.db \
    PARLEY_PORT=8080
# Created above and owned by parley, so a new named volume starts writable.
VOLUME /data
WORKDIR /data
EXPOSE 8080
USER parley

# Health: GET /healthz must answer 200 (503 when the store is down). Bash is part
# of every Debian image and its /dev/tcp needs no extra package, so the image
# needs no curl/wget command (the server links libcurl for webhooks, but the
# tool is another package). It follows PARLEY_PORT; if you change the port, change it
# with PARLEY_PORT rather than --port so this check follows.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PARLEY_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1\\.[01] 200 '"]

# SIGTERM (docker stop) makes parley stop accepting, flush, close the database
# and exit 0; the default 10 s stop timeout is ample.
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
