#!/usr/bin/env bash
# Builds the real control plane the operator e2e tests run against
# (kube-apiserver, kube-controller-manager, etcd) plus kubectl and helm, from Go modules.
#
# Binaries are built once into a cache outside the clone, keyed by everything
# that decides their content, and linked into .tools/ in the repo. A clean
# clone on a machine that built them before only relinks; the Go build cache
# (~/.cache/go-build) makes a rebuild after a version bump incremental.
#
#   scripts/k8s-tools.sh          build if needed, link into .tools/, print its path
#   scripts/k8s-tools.sh --check  exit 0 only if the tools are already built
#
# Environment: K8S_TOOLS_GO_PARALLEL (default 1) limits go build -p, so a cold
# build leaves the second core to whatever else runs on a 2-core machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOD_DIR="$ROOT/scripts/k8s-tools"
TOOLS_DIR="$ROOT/.tools"
K8S_VERSION=v1.35.4
HELM_VERSION=v3.20.2
BINS=(kube-apiserver kube-controller-manager etcd kubectl helm)

GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || { echo "k8s-tools: go not found (looked on PATH and /usr/local/go/bin)" >&2; exit 1; }

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
  "$GO" version
} | sha256sum | cut -c1-16)
CACHE_ROOT="${XDG_CACHE_HOME:-${HOME:-$ROOT/.tools}/.cache}/mqtt-adapter-tools"
CACHE="$CACHE_ROOT/k8s-$K8S_VERSION-helm-$HELM_VERSION-$key"

built() {
  local b
  for b in "${BINS[@]}"; do [ -x "$CACHE/bin/$b" ] || return 1; done
}

link_into_repo() {
  mkdir -p "$TOOLS_DIR"
  local b
  for b in "${BINS[@]}"; do ln -sfn "$CACHE/bin/$b" "$TOOLS_DIR/$b"; done
  echo "$TOOLS_DIR"
}

build() {
  local tmp="$CACHE/tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  export GOFLAGS="-p=${K8S_TOOLS_GO_PARALLEL:-1} -buildvcs=false -trimpath"
  local start=$SECONDS
  echo "k8s-tools: building kube-apiserver, kube-controller-manager, etcd, kubectl ($K8S_VERSION) into $CACHE" >&2
  (cd "$MOD_DIR" && nice -n 10 "$GO" build -ldflags "$K8S_LDFLAGS" -o "$tmp/" ./cmd/...)
  echo "k8s-tools: building helm $HELM_VERSION" >&2
  (cd "$tmp" && GOBIN="$tmp" nice -n 10 "$GO" install -ldflags "$HELM_LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
  rm -rf "$CACHE/bin" && mv "$tmp" "$CACHE/bin"
  echo "k8s-tools: built in $((SECONDS - start))s" >&2
}

# Stale builds of other versions are ~400 MB each; the Go build cache makes a rebuild cheap.
prune_other_builds() {
  local d
  for d in "$CACHE_ROOT"/k8s-*; do
    [ "$d" = "$CACHE" ] || rm -rf "$d"
  done
}

# Everything runs from this function, so editing the script while a build runs cannot
# change what the running shell executes.
main() {
  if [ "${1:-}" = "--check" ]; then
    built
    return
  fi
  mkdir -p "$CACHE_ROOT"
  # One builder at a time: a second caller (another test run) waits, then relinks.
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
  if ! built; then
    build
    prune_other_builds
  fi
  link_into_repo
}

main "$@"
exit
