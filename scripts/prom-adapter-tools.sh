#!/usr/bin/env bash
# Builds prometheus-adapter (which serves the custom metrics API from Prometheus)
# from Go modules, for the test that runs the documented rule serving
# mqtt_adapter_connections to the HPA; cached and linked into .tools/ as
# scripts/go-tools-lib.sh describes. Its own module: its Kubernetes libraries
# (v0.30) and Prometheus' newer ones do not share one module graph.
#
#   scripts/prom-adapter-tools.sh          build if needed, link into .tools/, print its path
#   scripts/prom-adapter-tools.sh --check  exit 0 only if it is already built
#
# Environment: K8S_TOOLS_GO_PARALLEL (default 1) limits go build -p, as for the k8s tools.
set -euo pipefail

# shellcheck source=scripts/go-tools-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools-lib.sh"

TOOL=prom-adapter-tools
MOD_DIR="$GO_TOOLS_ROOT/scripts/prom-adapter-tools"
BINS=(prometheus-adapter)
PKG=sigs.k8s.io/prometheus-adapter/cmd/adapter
VERSION=$(awk '$1 == "sigs.k8s.io/prometheus-adapter" { print $2 }' "$MOD_DIR/go.mod")
[ -n "$VERSION" ] || { echo "$TOOL: no sigs.k8s.io/prometheus-adapter in $MOD_DIR/go.mod" >&2; exit 1; }
go_tools_find_go "$TOOL"

LDFLAGS="-s -w"
key=$( {
  cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum"
  echo "$PKG $LDFLAGS"
} | go_tools_key)
# Not prom-*: scripts/prom-tools.sh prunes that prefix.
CACHE_PREFIX=prometheus-adapter
CACHE="$CACHE_ROOT/$CACHE_PREFIX-$VERSION-$key"

go_tools_build() {
  echo "$TOOL: building prometheus-adapter ($VERSION) into $CACHE" >&2
  (cd "$MOD_DIR" && nice -n 10 "$GO" build -ldflags "$LDFLAGS" -o "$1/prometheus-adapter" "$PKG")
}

# On one line, so bash has read it all before a long build starts: editing this
# file meanwhile cannot change what the running shell executes.
go_tools_main "$@"; exit
