#!/usr/bin/env bash
# Builds or pushes the mqtt-adapter image (`make image`, `make image-push`)
# with the first of docker, podman or buildah that is installed and works.
#   IMAGE_REGISTRY    registry host[:port], e.g. ghcr.io (default: none, a local name)
#   IMAGE_REPOSITORY  default mqtt-adapter; e.g. acme/mqtt-adapter
#   IMAGE_TAG         default the version in package.json
#   IMAGE_TOOL        force one tool instead of trying the three in turn
# Only shell builtins besides the tool (and git, when present, for the commit),
# so it behaves the same on any PATH.
set -euo pipefail

action=${1:-build}
case "$action" in
  build | push) ;;
  *)
    echo "usage: $0 [build|push]" >&2
    exit 2
    ;;
esac
root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)

# The version of package.json, read without node (a machine building images may have none).
package_version() {
  local line
  while IFS= read -r line; do
    if [[ $line =~ ^\ \ \"version\":\ \"([^\"]+)\" ]]; then
      echo "${BASH_REMATCH[1]}"
      return
    fi
  done <"$root/package.json"
  echo "image: no version in $root/package.json" >&2
  exit 1
}

repository=${IMAGE_REPOSITORY:-mqtt-adapter}
tag=${IMAGE_TAG:-$(package_version)}
image="${IMAGE_REGISTRY:+${IMAGE_REGISTRY%/}/}$repository:$tag"

# A docker client without a reachable daemon is common (a CI runner, a remote
# context that is down), so docker counts only when `docker info` answers.
usable() {
  command -v "$1" >/dev/null 2>&1 || return 1
  if [[ $1 == docker ]] && ! docker info >/dev/null 2>&1; then
    echo "image: docker is installed but its daemon does not answer (docker info failed); trying the next tool" >&2
    return 1
  fi
}

tool=''
for candidate in ${IMAGE_TOOL:-docker podman buildah}; do
  if usable "$candidate"; then
    tool=$candidate
    break
  fi
done
if [[ -z $tool ]]; then
  printf '%s\n' \
    'image: no container build tool found: install docker (with a running daemon), podman or buildah,' \
    "or put one on PATH (IMAGE_TOOL=<name> picks one). Looked for: ${IMAGE_TOOL:-docker podman buildah}." >&2
  exit 1
fi

if [[ $action == push ]]; then
  echo "image: pushing $image with $tool" >&2
  exec "$tool" push "$image"
fi

commit=unknown
if command -v git >/dev/null 2>&1; then
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
fi
echo "image: building $image (commit $commit) with $tool" >&2
build=(build)
[[ $tool == buildah ]] && build=(bud)
exec "$tool" "${build[@]}" -f "$root/Dockerfile" -t "$image" --build-arg "MQTT_ADAPTER_COMMIT=$commit" "$root"
