#!/usr/bin/env bash
# `make install-cli`: pack the CLI as a .NET tool (artifacts/packages/) and install the command `metaevolve`
# globally, or into TOOL_PATH when it is set. Reinstalls the same version, so a local build always lands.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
packages=artifacts/packages
dotnet pack cli/MetaEvolve.Cli -c Release -o "$packages"

if [ -n "${TOOL_PATH:-}" ]; then
  where=(--tool-path "$TOOL_PATH"); directory=$TOOL_PATH
else
  where=(--global); directory=$HOME/.dotnet/tools
fi
dotnet tool uninstall "${where[@]}" MetaEvolve.Cli >/dev/null 2>&1 || true
dotnet tool install "${where[@]}" --add-source "$packages" --version "$version" MetaEvolve.Cli
"$directory/metaevolve" --version
case ":$PATH:" in
  *":$directory:"*) ;;
  *) echo "metaevolve is in $directory, which is not on your PATH; add it: export PATH=\"\$PATH:$directory\"" ;;
esac
