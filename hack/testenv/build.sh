#!/usr/bin/env bash
# Builds the local control plane binaries from Go modules into
#   ${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}/bin/{kube-apiserver,etcd,kubectl,helm}
# Versions come from the go.mod files next to this script (the single source of truth).
# A binary is rebuilt only when it is missing or its recorded stamp (version + build
# flags + Go version) differs, so repeated runs cost a few seconds.
#
# Usage: build.sh [name...]   (default: all four)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}
bin=$cache/bin
stamps=$cache/stamps
mkdir -p "$bin" "$stamps"

# Never let the go command fetch another toolchain or stamp VCS info of the
# repo (it changes with every commit and fails without a usable git).
export GOTOOLCHAIN=local
export GOFLAGS="-mod=readonly -buildvcs=false"
# Static binaries, as the upstream release builds of all four are.
export CGO_ENABLED=0

go_version=$(go env GOVERSION)

modver() { # <module dir> <module path> -> version selected in that module
	(cd "$1" && go list -m -f '{{.Version}}' "$2")
}
modtime() { # <module dir> <module path> -> release time of that version, ISO 8601
	(cd "$1" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$2")
}

# build <name> <module dir> <package> <version> <ldflags> [<output dir>]
build() {
	local name=$1 dir=$2 pkg=$3 version=$4 ldflags=$5
	local bin=${6:-$bin}
	mkdir -p "$bin"
	local stamp="$name $version $go_version cgo=$CGO_ENABLED ldflags=$ldflags"
	if [[ -x $bin/$name && -f $stamps/$name && "$(cat "$stamps/$name")" == "$stamp" ]]; then
		echo "up to date: $name $version ($bin/$name)"
		return
	fi
	echo "building $name $version -> $bin/$name"
	local start=$SECONDS
	(cd "$dir" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg")
	mv -f "$bin/$name.tmp" "$bin/$name"
	printf '%s' "$stamp" >"$stamps/$name"
	echo "built $name $version in $((SECONDS - start))s"
}

kube_ldflags() {
	local v
	v=$(modver "$here" k8s.io/kubernetes)
	local minor=${v#v1.}
	minor=${minor%%.*}
	# buildDate is the release's tag time, not "now", so the stamp stays stable.
	local date
	date=$(modtime "$here" k8s.io/kubernetes)
	local f="-s -w" p
	# Both packages are read: component-base by the servers' /version,
	# client-go by some clients (same set upstream's hack/lib/version.sh sets).
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		f+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor"
		f+=" -X $p.gitCommit= -X $p.gitTreeState=archive -X $p.buildDate=$date"
	done
	echo "$f"
}

build_kube() { # kube-apiserver | kubectl | the node and controller binaries (cluster.sh)
	build "$1" "$here" "k8s.io/kubernetes/cmd/$1" "$(modver "$here" k8s.io/kubernetes)" "$(kube_ldflags)"
}

build_etcd() {
	local v
	v=$(modver "$here/etcd" go.etcd.io/etcd/server/v3)
	# etcd's version number is a constant; only the commit id is an ldflag upstream.
	build etcd "$here/etcd" . "$v" "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=module-$v"
}

build_helm() {
	local v kv
	v=$(modver "$here/helm" helm.sh/helm/v3)
	# Like helm's Makefile: the default Kubernetes version for `helm template`
	# and lint follows the client-go minor it is built with (v0.N.x -> 1.N).
	kv=$(modver "$here/helm" k8s.io/client-go)
	kv=${kv#v0.}
	kv=${kv%%.*}
	local f="-s -w -X helm.sh/helm/v3/internal/version.version=$v"
	f+=" -X helm.sh/helm/v3/internal/version.metadata= -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
	local p
	for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
		f+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$kv"
	done
	build helm "$here/helm" helm.sh/helm/v3/cmd/helm "$v" "$f"
}

build_containerd() { # containerd | containerd-shim-runc-v2 | ctr
	local v
	v=$(modver "$here/containerd" github.com/containerd/containerd/v2)
	build "$1" "$here/containerd" "github.com/containerd/containerd/v2/cmd/$1" "$v" \
		"-s -w -X github.com/containerd/containerd/v2/version.Version=$v"
}

build_cni() { # the plugins cluster.sh's CNI config names, into $cache/cni/bin
	local v p
	v=$(modver "$here/cni" github.com/containernetworking/plugins)
	for p in ipam/host-local main/bridge main/loopback meta/portmap; do
		build "${p#*/}" "$here/cni" "github.com/containernetworking/plugins/plugins/$p" "$v" \
			"-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$v" \
			"$cache/cni/bin"
	done
}

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(kube-apiserver etcd kubectl helm)
for n in "${names[@]}"; do
	case $n in
	kube-apiserver | kubectl | kubelet | kube-controller-manager | kube-scheduler | kube-proxy) build_kube "$n" ;;
	etcd) build_etcd ;;
	helm) build_helm ;;
	containerd | containerd-shim-runc-v2 | ctr) build_containerd "$n" ;;
	cni) build_cni ;;
	*)
		echo "build.sh: unknown binary '$n' (want kube-apiserver, etcd, kubectl, helm, kubelet, kube-controller-manager, kube-scheduler, kube-proxy, containerd, containerd-shim-runc-v2, ctr, cni)" >&2
		exit 2
		;;
	esac
done
echo "binaries in $bin"
