#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it
# needs, builds buoy with AddressSanitizer + UndefinedBehaviorSanitizer and
# -Werror, builds the libFuzzer targets with clang, and runs every test.
# Ends with the line `N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null # nothing here reads input; compilers meson probes must not read the caller's
bash tests/deps.sh clang libclang-rt-14-dev protobuf-compiler libprotobuf-dev python3-protobuf protobuf-c-compiler protobuf-compiler-grpc

if [ ! -f build-test/build.ninja ]; then
  meson setup build-test -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true >/dev/null
fi
ninja -C build-test >/dev/null

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Db_lundef=false >/dev/null
fi
ninja -C build-fuzz >/dev/null

# buf 1.75 from npm: the reference `buoy build` is compared against.
BUOY_BUF=$(bash tests/oracles.sh) && export BUOY_BUF || echo "warning: buf is not available; its comparisons are skipped"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
python3 tests/run.py build-test --fuzz-build build-fuzz "$@"
