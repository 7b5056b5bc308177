#!/usr/bin/env bash
# Builds promtool (Prometheus' rule and metrics checker) from Go modules, for the
# tests that run `promtool check rules`, `promtool test rules` and
# `promtool check metrics` on what the chart and the adapter ship.
#
# As scripts/k8s-tools.sh: built once into a cache outside the clone, keyed by
# everything that decides the binary, and linked into .tools/ in the repo.
#
#   scripts/prom-tools.sh          build if needed, link into .tools/, print its path
#   scripts/prom-tools.sh --check  exit 0 only if promtool is already built
#
# Environment: K8S_TOOLS_GO_PARALLEL (default 1) limits go build -p, as for the k8s tools.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOD_DIR="$ROOT/scripts/prom-tools"
TOOLS_DIR="$ROOT/.tools"
PKG=github.com/prometheus/prometheus/cmd/promtool
PROM_VERSION=$(awk '$1 == "github.com/prometheus/prometheus" { print $2 }' "$MOD_DIR/go.mod")
[ -n "$PROM_VERSION" ] || { echo "prom-tools: no github.com/prometheus/prometheus in $MOD_DIR/go.mod" >&2; exit 1; }

GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || { echo "prom-tools: go not found (looked on PATH and /usr/local/go/bin)" >&2; exit 1; }

LDFLAGS="-s -w"
# Prometheus' own build tag that leaves out every service discovery plugin (AWS,
# Azure, GCE and the rest): promtool's rule and metrics checks need none of them,
# and they are most of a cold build.
TAGS=remove_all_sd
key=$( {
  cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum"
  echo "$PKG $LDFLAGS $TAGS"
  "$GO" version
} | sha256sum | cut -c1-16)
CACHE_ROOT="${XDG_CACHE_HOME:-${HOME:-$ROOT/.tools}/.cache}/mqtt-adapter-tools"
CACHE="$CACHE_ROOT/prom-$PROM_VERSION-$key"

built() { [ -x "$CACHE/bin/promtool" ]; }

build() {
  local tmp="$CACHE/tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  export GOFLAGS="-p=${K8S_TOOLS_GO_PARALLEL:-1} -buildvcs=false -trimpath"
  local start=$SECONDS
  echo "prom-tools: building promtool ($PROM_VERSION) into $CACHE" >&2
  (cd "$MOD_DIR" && nice -n 10 "$GO" build -tags "$TAGS" -ldflags "$LDFLAGS" -o "$tmp/promtool" "$PKG")
  rm -rf "$CACHE/bin" && mv "$tmp" "$CACHE/bin"
  echo "prom-tools: built in $((SECONDS - start))s" >&2
}

prune_other_builds() {
  local d
  for d in "$CACHE_ROOT"/prom-*; do
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
  # The k8s tools' lock: one Go build at a time on the machine, whichever tool it is.
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
  if ! built; then
    build
    prune_other_builds
  fi
  mkdir -p "$TOOLS_DIR"
  ln -sfn "$CACHE/bin/promtool" "$TOOLS_DIR/promtool"
  echo "$TOOLS_DIR"
}

main "$@"
exit
