// Command kube-controller-manager gives the e2e tests real garbage collection
// and Deployment -> ReplicaSet behaviour (pods stay Pending: there is no kubelet).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
