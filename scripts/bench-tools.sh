#!/usr/bin/env bash
# Installs the bench's publish-throughput cross-check into .tools/bin (git-ignored).
# It prefers krylovsk/mqtt-benchmark from its Go module; where the module proxy
# does not serve it, it builds bench/crosscheck (paho.mqtt.golang, same flags and
# summary lines). Prints the path of the tool it installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export GOBIN="$root/.tools/bin"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
mkdir -p "$GOBIN"
version="${MQTT_BENCHMARK_VERSION:-latest}"

if [ -x "$GOBIN/mqtt-benchmark" ]; then
  echo "$GOBIN/mqtt-benchmark"
  exit 0
fi
if timeout 120 go install "github.com/krylovsk/mqtt-benchmark@$version" >/dev/null 2>&1; then
  echo "$GOBIN/mqtt-benchmark"
  exit 0
fi
echo "bench-tools: github.com/krylovsk/mqtt-benchmark@$version is not served; building bench/crosscheck instead" >&2
(cd "$root/bench/crosscheck" && timeout 300 go install .)
echo "$GOBIN/crosscheck"
