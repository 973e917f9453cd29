#!/usr/bin/env bash
# `make image`: the container image from the `make static` binary, offline (podman, no
# registry, no Docker engine). Tags $IMAGE (the chart's default image) and writes
# target/image/orgtrail-operator.oci.tar for `ctr -n k8s.io images import`.
# Same Dockerfile as `docker build .`, with ROOTFS=prebuilt: see its header.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. hack/image/lib.sh

[[ -x $BIN ]] || { echo "$BIN missing: run make static" >&2; exit 1; }
ca=/etc/ssl/certs/ca-certificates.crt
[[ -s $ca ]] || { echo "$ca missing (Debian: apt-get install ca-certificates)" >&2; exit 1; }

# The build context is target/image and holds only rootfs/ while podman builds: the
# archive of an earlier run is removed first (it is written again below).
rm -rf "$IMAGE_DIR"
rootfs=$IMAGE_DIR/rootfs
# Same files and modes as the Dockerfile's build stage puts in /rootfs.
install -d -m 0755 "$rootfs" "$rootfs/etc" "$rootfs/etc/ssl" "$rootfs/etc/ssl/certs"
install -m 0755 "$BIN" "$rootfs/orgtrail-operator"
install -m 0644 "$ca" "$rootfs/etc/ssl/certs/ca-certificates.crt"
install -m 0644 hack/image/passwd "$rootfs/etc/passwd"
install -m 0644 hack/image/group "$rootfs/etc/group"

# --pull=never: FROM scratch pulls nothing, and the rust stage is skipped; should either
# ever need a registry, fail here rather than hang on an unreachable one.
old=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
podman build --pull=never --build-arg ROOTFS=prebuilt -f Dockerfile -t "$IMAGE" "$IMAGE_DIR"

# Re-runs: the image the tag pointed to before is dropped, unless it is the same or in use.
new=$(podman image inspect --format '{{.Id}}' "$IMAGE")
if [[ -n $old && $old != "$new" ]]; then podman rmi "$old" >/dev/null 2>&1 || true; fi

podman save --format oci-archive -o "$OCI_ARCHIVE" "$IMAGE"
echo "image $IMAGE (${new:0:12}), $OCI_ARCHIVE"
