#!/usr/bin/env bash
# Benchmarks on googleapis (7,234 files), every tool measured in the same run:
#  - parse: buoy parsing everything, against protoc's full compile;
#  - compile: `buoy build -o` (a buf image with source info, byte-identical
#    to buf's), against protoc (--include_imports --include_source_info -o)
#    and `buf build -o`.
# Prints the median wall time and peak memory of each, and the ratios.
# Then runs the codec benchmark (bench/codec.sh: decode and encode
# throughput and instructions against C++ protobuf and protobuf-c).
# Usage: bench/run.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
bash tests/deps.sh protobuf-compiler libprotobuf-dev time
if [ ! -f build-release/build.ninja ]; then
  meson setup build-release --buildtype=release -Db_ndebug=true >/dev/null
fi
ninja -C build-release >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xJf ../shared/corpus/googleapis.tar.xz -C "$work"
root="$work/googleapis"
(cd "$root" && find . -name '*.proto' | sed 's|^\./||' | sort) > "$work/files.txt"
buoy=$PWD/build-release/buoy

# measure NAME CMD... : appends "seconds kilobytes" lines to $work/NAME
measure() {
  local name=$1; shift
  ( cd "$root" && /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" ) || {
    [ "$name" = buf ] && return 0
    echo "$name failed:"; tail -5 "$work/err"; exit 1; }
  cat "$work/t" >> "$work/$name"
}

buf=$(bash tests/oracles.sh 2>/dev/null) || buf=
for i in $(seq "$runs"); do
  measure buoy "$buoy" debug ast -q .
  measure buoy-compile "$buoy" build -o "$work/buoy.binpb"
  measure protoc protoc -I . -I /usr/include --include_imports --include_source_info \
    -o "$work/out.pb" "@$work/files.txt"
  if [ -n "$buf" ]; then measure buf "$buf" build -o "$work/buf.binpb"; fi
  if [ -n "$buf" ] && [ "$i" = 1 ] && ! cmp -s "$work/buf.binpb" "$work/buoy.binpb"; then
    echo "warning: buoy's image differs from buf's"
  fi
done

python3 - "$work" "$runs" <<'PY'
import statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def load(name):
    rows = [tuple(map(float, l.split())) for l in open(f"{work}/{name}") if l.strip()]
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows) / 1024
import os
bt, bm = load("buoy")
ct, cm = load("buoy-compile")
pt, pm = load("protoc")
have_buf = os.path.exists(f"{work}/buf")
print(f"googleapis, 7234 files, median of {runs} runs")
print(f"{'':40}{'wall s':>10}{'peak MiB':>12}")
print(f"{'buoy debug ast -q (parse)':40}{bt:>10.3f}{bm:>12.1f}")
print(f"{'buoy build -o (image, source info)':40}{ct:>10.3f}{cm:>12.1f}")
print(f"{'protoc -o --include_source_info':40}{pt:>10.3f}{pm:>12.1f}")
if have_buf:
    ft, fm = load("buf")
    print(f"{'buf build':40}{ft:>10.3f}{fm:>12.1f}")
print(f"parse   buoy/protoc: time {bt/pt:.3f} (target < 0.100), memory {bm/pm:.3f} (target < 0.250)")
print(f"compile buoy/protoc: time {ct/pt:.3f} (target < 0.200), memory {cm/pm:.3f} (target < 0.250)")
if have_buf:
    print(f"compile buoy/buf:    time {ct/ft:.3f} (target < 0.100)")
PY

echo
bash bench/codec.sh
