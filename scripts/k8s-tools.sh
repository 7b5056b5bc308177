#!/usr/bin/env bash
# Builds the real control plane the operator e2e tests run against
# (kube-apiserver, kube-controller-manager, etcd) plus kubectl and helm, from Go
# modules, cached and linked into .tools/ as scripts/go-tools-lib.sh describes.
#
#   scripts/k8s-tools.sh          build if needed, link into .tools/, print its path
#   scripts/k8s-tools.sh --check  exit 0 only if the tools are already built
#
# Environment: K8S_TOOLS_GO_PARALLEL (default 1) limits go build -p.
set -euo pipefail

# shellcheck source=scripts/go-tools-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools-lib.sh"

TOOL=k8s-tools
MOD_DIR="$GO_TOOLS_ROOT/scripts/k8s-tools"
K8S_VERSION=v1.35.4
HELM_VERSION=v3.20.2
BINS=(kube-apiserver kube-controller-manager etcd kubectl helm)
go_tools_find_go "$TOOL"

# Version stamps matter: helm and kubectl read the server's gitVersion, and helm
# checks a chart's kubeVersion against its own default when not talking to a cluster.
k8s_pkg=k8s.io/component-base/version
K8S_LDFLAGS="-s -w -X $k8s_pkg.gitVersion=$K8S_VERSION -X $k8s_pkg.gitMajor=1 -X $k8s_pkg.gitMinor=35 -X $k8s_pkg.gitTreeState=clean"
HELM_LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.metadata="
for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  HELM_LDFLAGS="$HELM_LDFLAGS -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=35"
done

key=$( {
  cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum" "$MOD_DIR"/cmd/*/main.go
  echo "$HELM_VERSION $K8S_LDFLAGS $HELM_LDFLAGS"
} | go_tools_key)
CACHE_PREFIX=k8s
CACHE="$CACHE_ROOT/$CACHE_PREFIX-$K8S_VERSION-helm-$HELM_VERSION-$key"

go_tools_build() {
  local out=$1
  echo "$TOOL: building kube-apiserver, kube-controller-manager, etcd, kubectl ($K8S_VERSION) into $CACHE" >&2
  (cd "$MOD_DIR" && nice -n 10 "$GO" build -ldflags "$K8S_LDFLAGS" -o "$out/" ./cmd/...)
  echo "$TOOL: building helm $HELM_VERSION" >&2
  (cd "$out" && GOBIN="$out" nice -n 10 "$GO" install -ldflags "$HELM_LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
}

# On one line, so bash has read it all before a long build starts: editing this
# file meanwhile cannot change what the running shell executes.
go_tools_main "$@"; exit
