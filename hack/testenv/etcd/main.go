// Command etcd runs the etcd server. `go install go.etcd.io/etcd/server/v3@...`
// is refused because that module's go.mod has replace directives, so this
// module wraps its entry point instead.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
