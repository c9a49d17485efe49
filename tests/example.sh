#!/usr/bin/env bash
# buoy's main job on the bundled example: installs what it needs, builds
# buoy, and runs it on testdata/example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/deps.sh
if [ ! -f build/build.ninja ]; then meson setup build >/dev/null; fi
ninja -C build >/dev/null
echo "$ buoy debug ast testdata/example"
./build/buoy debug ast testdata/example
