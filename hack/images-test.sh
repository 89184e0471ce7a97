#!/usr/bin/env bash
# `make images-test`: proves each archive of `make images` runs. For every component it unpacks the image
# (umoci unpack), checks its config names a non-root user, and runs its entrypoint under chroot as that user
# (unshare gives it its own PID namespace and /proc): `--version` must print "<component> <version>", and a start
# against the local services (hack/services.sh up) must answer /healthz. Needs root (chroot, mount).
# Settings: the hack/services.sh variables; METAEVOLVE_IMAGES_TEST_PORT [15480] first HTTP port used.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_dir="$(pwd -P)"
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)"
out="$repo_dir/artifacts/images"
port="${METAEVOLVE_IMAGES_TEST_PORT:-15480}"
[[ $(id -u) -eq 0 ]] || { echo "error: images-test needs root (chroot, mount)" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
# unshare --fork ignores SIGTERM while it waits: stop the image's process (PID 1 of its namespace) instead, and
# unshare ends with it.
stop() {
  local pid="$1" child
  child="$(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true)"
  if [[ -n $child ]]; then kill $child 2>/dev/null || true; fi
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if [[ -n $child ]]; then kill -KILL $child 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${pids[@]}"; do stop "$pid"; done
  for rootfs in "$work"/*/rootfs; do
    [[ -d $rootfs ]] && umount -R "$rootfs/dev" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

eval "$(hack/services.sh env)"
hack/services.sh status >/dev/null 2>&1 || { echo "error: the local services do not run: hack/services.sh up" >&2; exit 1; }

# Every start uses its own store schema and creates no stream or consumer: a developer's task stream
# (metaevolve.tasks.>) and the tests' private ones must never overlap with anything this leaves behind.
# Reachable from inside the chroot (same network namespace), pointing nowhere: the operator starts and keeps
# retrying its Lease, which is enough for /healthz.
kubeconfig='apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: default}}]
current-context: none'

# run <rootfs> <user> <env...> -- <command...>: the image's entrypoint as its user, in its own PID namespace.
run() {
  local rootfs="$1" user="$2"
  shift 2
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  # exec: the caller's $! is unshare itself; --kill-child: its namespace dies with it.
  exec unshare --fork --kill-child --pid --mount --mount-proc="$rootfs/proc" \
    sh -c 'rootfs="$1"; user="$2"; shift 2; mount --rbind /dev "$rootfs/dev" && exec chroot --userspec="$user" "$rootfs" "$@"' \
    sh "$rootfs" "$user" env -i "${env[@]}" "$@"
}

failures=0
for component in operator agent-runtime gateway; do
  archive="$out/$component.tar"
  [[ -f $archive ]] || { echo "error: $archive is missing: make images" >&2; exit 1; }
  dir="$work/$component"
  skopeo copy --quiet "oci-archive:$archive" "oci:$work/layout-$component:$version"
  umoci unpack --image "$work/layout-$component:$version" "$dir" >/dev/null
  config="$dir/config.json"
  user="$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["process"]["user"]; print("%d:%d" % (p["uid"], p["gid"]))' "$config")"
  entrypoint="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["process"]["args"][0])' "$config")"
  mapfile -t image_env < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["process"]["env"]))' "$config")
  if [[ ${user%%:*} == 0 ]]; then
    echo "FAIL $component: runs as root ($user)"; failures=$((failures + 1)); continue
  fi

  printed="$( (run "$dir/rootfs" "$user" "${image_env[@]}" -- "$entrypoint" --version) 2>&1)" || true
  if [[ $printed != "$component $version" ]]; then
    echo "FAIL $component: --version printed '$printed', expected '$component $version'"; failures=$((failures + 1)); continue
  fi

  port=$((port + 1))
  printf '%s\n' "$kubeconfig" >"$dir/rootfs/tmp/kubeconfig"
  chmod 644 "$dir/rootfs/tmp/kubeconfig"
  (run "$dir/rootfs" "$user" "${image_env[@]}" HOME=/tmp KUBECONFIG=/tmp/kubeconfig \
    ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_HTTP_PORTS= \
    METAEVOLVE_NATS_URL="$METAEVOLVE_NATS_URL" METAEVOLVE_POSTGRES="$METAEVOLVE_POSTGRES" METAEVOLVE_REDIS="$METAEVOLVE_REDIS" \
    Operator__ExternalMetrics__Enabled=false Operator__Namespace=default Operator__StoreSchema=metaevolve_images_test \
    Operator__Stream=METAEVOLVE_IMAGES_TEST Operator__StreamSubjects='metaevolve-images-test.tasks.>' \
    Gateway__ApiKeysFile=/tmp/api-keys.json Gateway__Schema=metaevolve_images_test Gateway__CreateStream=false \
    Worker__Namespace=images-test Worker__Pool=images-test Worker__Schema=metaevolve_images_test Worker__CreateConsumer=false \
    -- "$entrypoint") >"$work/$component.log" 2>&1 &
  pids+=("$!")
  healthy=false
  for _ in $(seq 1 60); do
    if [[ $(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null) == ok ]]; then healthy=true; break; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  stop "${pids[-1]}"
  if [[ $healthy != true ]]; then
    echo "FAIL $component: no /healthz on port $port; its output:"; tail -20 "$work/$component.log"; failures=$((failures + 1)); continue
  fi
  echo "ok   $component: user $user, '$printed', /healthz answered"
done

((failures == 0)) || { echo "images-test: $failures of 3 images failed"; exit 1; }
echo "images-test: 3 images run as non-root, print their version and answer /healthz"
