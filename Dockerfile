# syntax=docker/dockerfile:1
# orgtrail-operator: one static (musl) binary in a FROM scratch image, running as non-root.
# The image holds exactly:
#   /orgtrail-operator                   the static binary (ENTRYPOINT; CMD run)
#   /etc/ssl/certs/ca-certificates.crt   CA bundle, for AWS endpoints and the API server
#   /etc/passwd, /etc/group              root and nonroot (65532), so tools show a name
# i.e. what distroless/static:nonroot gave the binary that it uses, and nothing else: no
# shell, no package manager, no libc.
#
# One file, two ways to fill the root filesystem (ARG ROOTFS):
# * `docker build .` (default ROOTFS=build): builds from source in rust:alpine. (podman
#   before 4.4, i.e. buildah before 1.29, ignores the ARG default in FROM ${ROOTFS}, skips
#   the build stage and then looks for an image named "build": there, pass
#   `--build-arg ROOTFS=build`; containers/buildah#4366.)
# * `make image` (hack/image/build.sh): ROOTFS=prebuilt, with target/image as the context,
#   holding target/image/rootfs/ assembled from the `make static` binary, the host's CA
#   bundle and hack/image/{passwd,group}. No registry is needed: the builder skips the
#   unused rust stage, and scratch is not pulled. CI does this, then hack/image/check.sh
#   checks --version, user 65532, a read-only root filesystem and the exact file list.

# Global, so that it can name the stage FROM ${ROOTFS} below (an ARG after a FROM would
# belong to that stage).
ARG ROOTFS=build

# Alpine's Rust targets musl natively, and Rust links musl binaries statically.
FROM rust:1.95-alpine AS build
# C toolchain for ring / aws-lc-sys (the TLS crypto of kube and the AWS SDK); the CA bundle
# the image ships.
RUN apk add --no-cache build-base cmake perl ca-certificates
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p orgtrail-operator --bin orgtrail-operator \
 && install -D -m 0755 target/release/orgtrail-operator /rootfs/orgtrail-operator \
 # Fail the build if the binary is not static (the image has no libc).
 && if ldd /rootfs/orgtrail-operator 2>&1 | grep -q '=>'; then echo "not static" >&2; exit 1; fi
# Same files, modes and sources as hack/image/build.sh puts in target/image/rootfs.
RUN install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt \
 && install -m 0644 hack/image/passwd /rootfs/etc/passwd \
 && install -m 0644 hack/image/group /rootfs/etc/group

# `make image`: the root filesystem hack/image/build.sh assembled (context: target/image).
FROM scratch AS prebuilt
COPY rootfs/ /rootfs/

FROM ${ROOTFS} AS rootfs

FROM scratch
COPY --from=rootfs /rootfs/ /
LABEL org.opencontainers.image.title="orgtrail-operator" \
      org.opencontainers.image.description="Kubernetes operator that wires AWS CloudTrail into AWS Organizations and keeps it that way" \
      org.opencontainers.image.licenses="Apache-2.0"
# The nonroot user (65532, as in distroless), numeric so runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/orgtrail-operator"]
CMD ["run"]
