# syntax=docker/dockerfile:1
# orgtrail-operator: a static (musl) binary on distroless/static, running as non-root.
# The image holds exactly what `make static` produces (`cargo build --release --target
# x86_64-unknown-linux-musl -p orgtrail-operator`); CI builds and checks that binary, as
# there is no Docker engine there to build the image itself.

# Alpine's Rust targets musl natively, and Rust links musl binaries statically.
FROM rust:1.95-alpine AS build
# C toolchain for ring / aws-lc-sys (the TLS crypto of kube and the AWS SDK).
RUN apk add --no-cache build-base cmake perl
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p orgtrail-operator --bin orgtrail-operator \
 && cp target/release/orgtrail-operator /orgtrail-operator \
 # Fail the build if the binary is not static (distroless/static has no libc).
 && if ldd /orgtrail-operator 2>&1 | grep -q '=>'; then echo "not static" >&2; exit 1; fi

# No shell, no package manager, no libc; CA certificates for AWS and the API server.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /orgtrail-operator /orgtrail-operator
# The nonroot user of distroless (65532), numeric so runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/orgtrail-operator"]
CMD ["run"]
