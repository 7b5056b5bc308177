#!/usr/bin/env bash
# Builds promtool (Prometheus' rule and metrics checker) and the Prometheus
# server from Go modules: promtool for the tests that run `promtool check rules`,
# `promtool test rules` and `promtool check metrics` on what the chart and the
# adapter ship, the server for the test that scrapes an adapter and serves
# prometheus-adapter; cached and linked into .tools/ as scripts/go-tools-lib.sh
# describes.
#
#   scripts/prom-tools.sh          build if needed, link into .tools/, print its path
#   scripts/prom-tools.sh --check  exit 0 only if both are already built
#
# Environment: K8S_TOOLS_GO_PARALLEL (default 1) limits go build -p, as for the k8s tools.
set -euo pipefail

# shellcheck source=scripts/go-tools-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tools-lib.sh"

TOOL=prom-tools
MOD_DIR="$GO_TOOLS_ROOT/scripts/prom-tools"
BINS=(promtool prometheus)
PKGS=(github.com/prometheus/prometheus/cmd/promtool github.com/prometheus/prometheus/cmd/prometheus)
PROM_VERSION=$(awk '$1 == "github.com/prometheus/prometheus" { print $2 }' "$MOD_DIR/go.mod")
[ -n "$PROM_VERSION" ] || { echo "$TOOL: no github.com/prometheus/prometheus in $MOD_DIR/go.mod" >&2; exit 1; }
go_tools_find_go "$TOOL"

LDFLAGS="-s -w"
# Prometheus' own build tag that leaves out every service discovery plugin (AWS,
# Azure, GCE and the rest): promtool's checks and a server scraping static
# targets need none of them, and they are most of a cold build. The server is
# built without the builtinassets tag, so without its web UI: the tests use its API.
TAGS=remove_all_sd
key=$( {
  cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum"
  echo "${PKGS[*]} $LDFLAGS $TAGS"
} | go_tools_key)
CACHE_PREFIX=prom
CACHE="$CACHE_ROOT/$CACHE_PREFIX-$PROM_VERSION-$key"

go_tools_build() {
  echo "$TOOL: building promtool and prometheus ($PROM_VERSION) into $CACHE" >&2
  local i
  for i in "${!BINS[@]}"; do
    (cd "$MOD_DIR" && nice -n 10 "$GO" build -tags "$TAGS" -ldflags "$LDFLAGS" -o "$1/${BINS[$i]}" "${PKGS[$i]}")
  done
}

# On one line, so bash has read it all before a long build starts: editing this
# file meanwhile cannot change what the running shell executes.
go_tools_main "$@"; exit
