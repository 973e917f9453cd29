// The pod sandbox ("pause") process of the test cluster's containerd. Registry images
// cannot be pulled here, so registry.k8s.io/pause is replaced by this program, built
// from source and packed into an image by hack/cluster/up.sh.
module orgtrail.dev/hack/cluster/pause

go 1.26.0
