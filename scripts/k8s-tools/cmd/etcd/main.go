// Command etcd is the etcd server at the version Kubernetes' own module graph
// pins, which is newer than the distribution package and matches the API server.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
