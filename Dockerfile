# The Commerce image: one binary, `commerce`, for the API (`serve`) and every worker kind
# (`worker --relay|--projector|--processes|--notifier`), run as a non-root user.
#
#   docker build -t commerce .
#   docker run --rm -e DATABASE_URL=... -e KAFKA_BROKERS=... -e PAYMENT_GATEWAY=... commerce serve
#
# Kubernetes manifests using it: deploy/kubernetes (README: "Production").

# Build: Swift on Debian bookworm, librdkafka built from Debian's source package by the project's
# own script (bookworm's 2.0.2 is too old), the binary linked with a static Swift runtime.
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY scripts/setup scripts/lib.sh scripts/
RUN scripts/setup --librdkafka-only
COPY Package.swift ./
COPY Sources Sources
RUN swift build -c release --product commerce --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/commerce" /out/commerce

# Run: a slim Debian with the C libraries the binary and librdkafka link, nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libssl3 zlib1g libzstd1 liblz4-1 libsasl2-2 libstdc++6 tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 commerce \
    && useradd --system --uid 10001 --gid commerce --home-dir /app --shell /usr/sbin/nologin commerce
COPY --from=build /usr/local/lib/librdkafka.so.1 /usr/local/lib/
RUN ldconfig
WORKDIR /app
COPY --from=build /out/commerce /app/commerce
# The migrations `commerce migrate` applies (COMMERCE_MIGRATIONS_DIR).
COPY schemas/sql /app/schemas/sql
ENV COMMERCE_MIGRATIONS_DIR=/app/schemas/sql HOST=0.0.0.0 PORT=8080 LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/app/commerce"]
CMD ["serve"]
