#!/usr/bin/env bash
# `make image-check`: run the image `make image` built and fail unless it is what the
# Dockerfile promises and the chart relies on: `--version` is the crate's, the process
# runs as 65532:65532 by default, with a read-only root filesystem, all capabilities
# dropped and no-new-privileges (the chart's securityContext), and the image holds exactly
# the binary, the CA bundle, /etc/passwd and /etc/group.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. hack/image/lib.sh

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

podman image exists "$IMAGE" || { echo "FAIL: no image $IMAGE: run make image" >&2; exit 1; }
crate_version=$(awk '/^\[package\]/ {p = 1; next} /^\[/ {p = 0} p && /^version *=/ {gsub(/[" ]/, "", $0); sub(/^version=/, ""); print; exit}' Cargo.toml)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- configuration
expect_config() { # template expected
  local got
  got=$(podman image inspect --format "$1" "$IMAGE")
  if [[ $got == "$2" ]]; then ok "$1 = $got"; else fail "$1: got '$got', want '$2'"; fi
}
expect_config '{{.Config.User}}' '65532:65532'
expect_config '{{json .Config.Entrypoint}}' '["/orgtrail-operator"]'
expect_config '{{json .Config.Cmd}}' '["run"]'
expect_config '{{json .Config.ExposedPorts}}' '{"8080/tcp":{}}'

# --- runs: the image's default user (no --user), as the chart's securityContext runs it.
# --read-only-tmpfs=false: Kubernetes mounts no /tmp either.
run=(podman run --rm "${RUN_FLAGS[@]}" --network none --read-only --read-only-tmpfs=false
  --cap-drop=ALL --security-opt no-new-privileges)

want="orgtrail-operator $crate_version"
if got=$("${run[@]}" "$IMAGE" --version 2>&1) && [[ $got == "$want" ]]; then
  ok "--version (read-only, no capabilities): $got"
else
  fail "--version: got '$got', want '$want'"
fi

# There is no shell for `id -u`: the files the process writes to a bind mount (rootful
# podman, no user namespace) carry its uid and gid.
mkdir -m 0777 "$tmp/out"
if "${run[@]}" -v "$tmp/out:/out" "$IMAGE" crdgen --out-dir /out >"$tmp/crdgen.log" 2>&1; then
  owners=$(stat -c "%u:%g" "$tmp"/out/* | sort -u | paste -sd " ")
  if [[ $owners == "65532:65532" ]]; then
    ok "the process runs as 65532:65532 (owner of the files crdgen wrote: $owners)"
  else
    fail "the process does not run as 65532:65532: crdgen's files are owned by $owners"
  fi
else
  fail "crdgen into a bind mount failed: $(cat "$tmp/crdgen.log")"
fi

# The root filesystem is read-only for it (and the binary needs no write to it for --version).
if "${run[@]}" "$IMAGE" crdgen --out-dir /crds >"$tmp/ro.log" 2>&1; then
  fail "crdgen could write to /crds: the root filesystem is not read-only"
elif grep -q 'Read-only file system' "$tmp/ro.log"; then
  ok "the root filesystem is read-only ($(tail -1 "$tmp/ro.log" | sed "s/^ *//"))"
else
  fail "writing to /crds failed, but not as read-only: $(cat "$tmp/ro.log")"
fi

# --- content: exactly these entries, modes and owners.
cat >"$tmp/want" <<'LIST'
-rw-r--r-- 0/0 etc/group
-rw-r--r-- 0/0 etc/passwd
-rw-r--r-- 0/0 etc/ssl/certs/ca-certificates.crt
-rwxr-xr-x 0/0 orgtrail-operator
drwxr-xr-x 0/0 etc/
drwxr-xr-x 0/0 etc/ssl/
drwxr-xr-x 0/0 etc/ssl/certs/
LIST
# A container is created, never started, only to export its filesystem ("--version": some
# command, should the image lack its ENTRYPOINT/CMD).
ctr=$(podman create "$IMAGE" --version)
podman export -o "$tmp/fs.tar" "$ctr"
podman rm "$ctr" >/dev/null
tar -tvf "$tmp/fs.tar" --numeric-owner | awk '{print $1, $2, $6}' | LC_ALL=C sort >"$tmp/got"
if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
  ok "files: $(awk '{print "/" $3}' "$tmp/got" | grep -v '/$' | paste -sd ' ')"
else
  fail "the image's files differ from the expected list (- expected, + image):"
  cat "$tmp/diff" >&2
fi
mkdir "$tmp/fs"
tar -xf "$tmp/fs.tar" -C "$tmp/fs" etc/passwd etc/group etc/ssl/certs/ca-certificates.crt 2>/dev/null || true
grep -qx 'nonroot:x:65532:65532:[^:]*:[^:]*:[^:]*' "$tmp/fs/etc/passwd" 2>/dev/null \
  && grep -qx 'nonroot:x:65532:.*' "$tmp/fs/etc/group" 2>/dev/null \
  && ok "/etc/passwd and /etc/group name 65532 nonroot" \
  || fail "/etc/passwd or /etc/group lack the nonroot user 65532"
certs=$(grep -c 'BEGIN CERTIFICATE' "$tmp/fs/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true)
if [[ ${certs:-0} -gt 0 ]]; then ok "CA bundle: $certs certificates"; else fail "no CA certificates in the image"; fi

if ((failures)); then
  echo "image-check: $failures check(s) failed for $IMAGE" >&2
  exit 1
fi
echo "image-check: $IMAGE passes"
