# Shared by scripts/k8s-tools.sh and scripts/prom-tools.sh, which source it.
#
# Go tools are built once into a cache outside the clone, keyed by everything
# that decides their content, and linked into .tools/ in the repo. A clean
# clone on a machine that built them before only relinks; the Go build cache
# (~/.cache/go-build) makes a rebuild after a version bump incremental.
#
# The sourcing script sets, then ends with `go_tools_main "$@"; exit`:
#   TOOL          its name in messages (k8s-tools)
#   BINS          the binaries its build makes (an array)
#   CACHE_PREFIX  its cache folders' prefix; its builds under another key are pruned
#   CACHE         "$CACHE_ROOT/$CACHE_PREFIX-<versions>-$(... | go_tools_key)"
# and defines go_tools_build DIR, which builds BINS into DIR.
#
# Environment: K8S_TOOLS_GO_PARALLEL (default 1) limits go build -p, so a cold
# build leaves the second core to whatever else runs on a 2-core machine.

GO_TOOLS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR="$GO_TOOLS_ROOT/.tools"
CACHE_ROOT="${XDG_CACHE_HOME:-${HOME:-$GO_TOOLS_ROOT/.tools}/.cache}/mqtt-adapter-tools"

# Sets GO, or exits naming the tool.
go_tools_find_go() {
  GO=$(command -v go || true)
  [ -n "$GO" ] || GO=/usr/local/go/bin/go
  [ -x "$GO" ] || { echo "$1: go not found (looked on PATH and /usr/local/go/bin)" >&2; exit 1; }
}

# The cache key of what stdin lists, with the Go version: 16 hex digits of their SHA-256.
go_tools_key() {
  { cat; "$GO" version; } | sha256sum | cut -c1-16
}

go_tools_built() {
  local b
  for b in "${BINS[@]}"; do [ -x "$CACHE/bin/$b" ] || return 1; done
}

go_tools_link() {
  mkdir -p "$TOOLS_DIR"
  local b
  for b in "${BINS[@]}"; do ln -sfn "$CACHE/bin/$b" "$TOOLS_DIR/$b"; done
  echo "$TOOLS_DIR"
}

# Builds beside the cache's bin/ and moves the result into place, so an interrupted
# build never leaves a bin/ that passes for complete.
go_tools_build_into_cache() {
  local tmp="$CACHE/tmp.$$"
  # Under the lock no other build runs: a tmp.* here is from one that was stopped part way.
  rm -rf "$CACHE"/tmp.* && mkdir -p "$tmp"
  export GOFLAGS="-p=${K8S_TOOLS_GO_PARALLEL:-1} -buildvcs=false -trimpath"
  local start=$SECONDS
  go_tools_build "$tmp"
  rm -rf "$CACHE/bin" && mv "$tmp" "$CACHE/bin"
  echo "$TOOL: built in $((SECONDS - start))s" >&2
}

# Stale builds of other versions are large (~400 MB for the k8s tools); the Go build cache makes a rebuild cheap.
go_tools_prune_other_builds() {
  local d
  for d in "$CACHE_ROOT/$CACHE_PREFIX"-*; do
    [ "$d" = "$CACHE" ] || rm -rf "$d"
  done
}

#   (no argument)  build if needed, link into .tools/, print its path
#   --check        exit 0 only if the tools are already built
go_tools_main() {
  if [ "${1:-}" = "--check" ]; then
    go_tools_built
    return
  fi
  mkdir -p "$CACHE_ROOT"
  # One Go build at a time on the machine, whichever tool it is: a second caller waits, then relinks.
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
  if ! go_tools_built; then
    go_tools_build_into_cache
    go_tools_prune_other_builds
  fi
  go_tools_link
}
