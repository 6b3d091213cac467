# Multi-stage build; the runtime image holds only the binary and schedules
# and runs as an unprivileged user.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY examples ./examples
RUN cargo build --release --locked --bin coursecal

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /srv/coursecal coursecal
COPY --from=build /src/target/release/coursecal /usr/local/bin/coursecal
COPY schedules /srv/coursecal/schedules
USER coursecal
WORKDIR /srv/coursecal
ENV COURSECAL_SCHEDULES=/srv/coursecal/schedules COURSECAL_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
ENTRYPOINT ["/usr/local/bin/coursecal", "serve"]
