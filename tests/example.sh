#!/usr/bin/env bash
# buoy's main job on the bundled example (testdata/example): installs what
# it needs, builds and installs buoy and libbuoy-pb into a temporary
# prefix, generates C for the example module with `buoy generate`,
# compiles a small program against the generated code and libbuoy-pb
# (through pkg-config), and runs it: it builds a message, encodes it,
# decodes it and prints it as JSON. Then it compiles the module into a buf
# image as `buoy build` does.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/deps.sh
if [ ! -f build/build.ninja ]; then meson setup build >/dev/null; fi
ninja -C build >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
meson install -C build --destdir "$out/root" --quiet >/dev/null
pc=$(dirname "$(find "$out/root" -name buoy-pb.pc | head -1)")
prefix=$(PKG_CONFIG_PATH=$pc pkg-config --variable=prefix buoy-pb)
pkg() { PKG_CONFIG_PATH=$pc pkg-config --define-variable=prefix="$out/root$prefix" "$@" buoy-pb; }
buoy=$(find "$out/root" -type f -name buoy -perm -u+x | head -1)

echo "$ buoy generate testdata/example --template testdata/example/buf.gen.yaml -o out"
"$buoy" generate testdata/example --template testdata/example/buf.gen.yaml -o "$out"
(cd "$out" && find gen -type f | sort)
echo
echo "$ cc -std=c11 -Wall -Wextra -Werror -pedantic testdata/example/demo/weather_demo.c out/gen/acme/weather/v1/*.pb.c \$(pkg-config --cflags --libs buoy-pb)"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -pedantic -I "$out/gen" testdata/example/demo/weather_demo.c \
  "$out"/gen/acme/weather/v1/*.pb.c $(pkg --cflags) $(pkg --libs) -Wl,-rpath,"$(pkg --variable=libdir)" \
  -o "$out/weather_demo"
echo "$ ./weather_demo"
"$out/weather_demo"
echo
echo "$ buoy build testdata/example -o image.binpb"
"$buoy" build testdata/example -o "$out/image.binpb"
echo "wrote a buf image of $(wc -c < "$out/image.binpb") bytes"
