#!/usr/bin/env bash
# Installs buf 1.75.0 (the reference for `buoy build`) from the npm registry
# into .oracles/ if it is not there, and prints the path of its binary.
# buf is only a test oracle: buoy never needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.oracles/node_modules/.bin/buf
if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "1.75.0" ]; then
  # Use the machine's npm; Debian's own npm package only when there is none.
  command -v npm >/dev/null || bash tests/deps.sh nodejs npm >&2
  mkdir -p .oracles
  npm install --silent --no-audit --no-fund --prefix .oracles @bufbuild/buf@1.75.0 >&2
fi
echo "$PWD/$bin"
