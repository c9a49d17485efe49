#!/usr/bin/env bash
# Parse benchmark: buoy parsing all of googleapis (7,234 files) against
# protoc's full compile of the same files, measured in the same run.
# Prints the median wall time and peak memory of each, and their ratios.
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
    echo "$name failed:"; tail -5 "$work/err"; exit 1; }
  cat "$work/t" >> "$work/$name"
}

for i in $(seq "$runs"); do
  measure buoy "$buoy" debug ast -q .
  measure protoc protoc -I . -I /usr/include --include_imports --include_source_info \
    -o "$work/out.pb" "@$work/files.txt"
done

python3 - "$work" "$runs" <<'PY'
import statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def load(name):
    rows = [tuple(map(float, l.split())) for l in open(f"{work}/{name}") if l.strip()]
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows) / 1024
bt, bm = load("buoy")
pt, pm = load("protoc")
print(f"googleapis, 7234 files, median of {runs} runs")
print(f"{'':28}{'wall s':>10}{'peak MiB':>12}")
print(f"{'buoy debug ast -q (parse)':28}{bt:>10.3f}{bm:>12.1f}")
print(f"{'protoc -o (full compile)':28}{pt:>10.3f}{pm:>12.1f}")
print(f"ratio buoy/protoc: time {bt/pt:.3f} (target < 0.100), memory {bm/pm:.3f} (target < 0.250)")
PY
