#!/usr/bin/env bash
# `make test`: lint, build, then unit, integration and e2e tests.
#
# The e2e tests need Go tools (kube-apiserver, etcd, helm, Prometheus,
# prometheus-adapter) that a cold machine builds in about 23 minutes on 2 cores,
# while the stages before them spend most of their 15 minutes waiting on
# RabbitMQ and Redis. So the tools build here in the background from the start,
# at the lowest CPU priority so the tests' own processes come first, and the
# e2e stage begins once they are done. On a machine that built them before,
# each script only relinks, in well under a second.
#
# Environment: K8S_TOOLS_GO_PARALLEL (default here 2) is go build -p for that
# background build; niced, a second compile process only takes a core the
# tests leave idle.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p build
tools_log=build/go-tools.log
# setsid: its own process group, so an early failure below ends the whole build, compilers included.
# A new session is also a new scheduler autogroup where the kernel has them (Debian's does), and
# between autogroups a process's nice value counts for nothing: the group's own is set to 19 too.
K8S_TOOLS_GO_PARALLEL="${K8S_TOOLS_GO_PARALLEL:-2}" setsid nice -n 19 bash -c '
  set -e
  { echo 19 >/proc/self/autogroup; } 2>/dev/null || true
  for s in k8s-tools prom-tools prom-adapter-tools; do bash "scripts/$s.sh"; done
' >"$tools_log" 2>&1 &
tools_pid=$!
stop_tools() { kill -TERM -- "-$tools_pid" 2>/dev/null || true; }
trap stop_tools EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

npm run lint
npm run build
npm run test:unit
npm run test:integration

if ! wait "$tools_pid"; then
  echo "test: building the Go tools the e2e tests need failed; the end of $tools_log:" >&2
  tail -n 40 "$tools_log" >&2
  exit 1
fi
trap - EXIT
npm run test:e2e
