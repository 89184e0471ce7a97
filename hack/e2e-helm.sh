#!/usr/bin/env bash
# `make e2e-helm`: the chart installed by the real helm into the dev control plane (`metaevolve dev up --no-operator
# --no-gateway`, in a scratch directory) and run end to end by tests/MetaEvolve.Release.Tests: samples Ready, skill
# calls through the chart's gateway, `helm upgrade` rolling the operator and the gateway while tasks arrive (none
# lost), the samples deleted, `helm uninstall` leaving only the kept CRDs. Prints one line; exits non-zero on any
# failure. Starts the local services when they are not running, and then stops them again.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p .test-results
log=.test-results/e2e-helm.log
summary="$PWD/.test-results/e2e-helm.summary"
rm -f "$summary"

dotnet build MetaEvolve.sln >"$log" 2>&1 || { tail -n 30 "$log"; echo "e2e-helm: the build failed"; exit 1; }
hack/tools.sh helm >/dev/null

if hack/services.sh status >/dev/null 2>&1; then
  eval "$(hack/services.sh env)"
else
  eval "$(hack/services.sh up 2>>"$log")"
  trap 'hack/services.sh down >/dev/null 2>&1' EXIT
fi

set +e
METAEVOLVE_E2E_SUMMARY="$summary" dotnet test --project tests/MetaEvolve.Release.Tests --no-build \
  -- --filter-class '*DevControlPlaneReleaseTests' --timeout 20m >>"$log" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ] || [ ! -s "$summary" ]; then
  grep -A40 '^failed ' "$log" | head -n 60 || tail -n 40 "$log"
  echo "e2e-helm: FAILED (exit $status; the whole log is $log)"
  exit 1
fi
cat "$summary"
