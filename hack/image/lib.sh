# Sourced by hack/image/*.sh: the image's name and how podman is run here.

# The chart's default image (values.yaml image.repository, tag = Chart.yaml appVersion), so
# that `helm install` with defaults finds the image without a pull.
chart=charts/orgtrail-operator/Chart.yaml
app_version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$chart")
[[ -n $app_version ]] || { echo "no appVersion in $chart" >&2; exit 1; }
IMAGE=${IMAGE:-ghcr.io/orgtrail/orgtrail-operator:$app_version}

IMAGE_DIR=${CARGO_TARGET_DIR:-target}/image
OCI_ARCHIVE=$IMAGE_DIR/orgtrail-operator.oci.tar
BIN=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-musl/release/orgtrail-operator

# crun (Debian's default runtime) refuses this machine's cgroups hybrid mode, and the
# systemd cgroup manager needs a systemd session: runc and cgroupfs work everywhere.
podman() { command podman --runtime runc --cgroup-manager cgroupfs "$@"; }
# For `podman run`: rootful podman raises nofile (to 1048576) and nproc (to 4194304), above
# the hard limits of some CI machines (nofile 20000), where runc may not raise them ("error
# setting rlimit type 6/7: operation not permitted"); these values fit under them.
RUN_FLAGS=(--ulimit nofile=10000:10000 --ulimit nproc=10000:10000)
