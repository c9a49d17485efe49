#!/usr/bin/env bash
# buoy's main job on the bundled example: installs what it needs, builds
# buoy, compiles the example module into a buf image, and shows it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/deps.sh
if [ ! -f build/build.ninja ]; then meson setup build >/dev/null; fi
ninja -C build >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "$ buoy build testdata/example -o image.binpb"
./build/buoy build testdata/example -o "$out/image.binpb"
echo "wrote a buf image of $(wc -c < "$out/image.binpb") bytes"
echo
echo "$ buoy build testdata/example --as-file-descriptor-set --exclude-source-info -o set.pb"
./build/buoy build testdata/example --as-file-descriptor-set --exclude-source-info -o "$out/set.pb"
echo "wrote a FileDescriptorSet of $(wc -c < "$out/set.pb") bytes"
echo
files=$(cd testdata/example && find . -name '*.proto' | sed 's|^\./||' | sort | tr "\n" " ")
echo "$ buoy debug descriptors -I testdata/example $files   # the compiled model, as JSON"
# shellcheck disable=SC2086
./build/buoy debug descriptors -I testdata/example $files | python3 -m json.tool
