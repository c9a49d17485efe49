#!/usr/bin/env bash
# The codec benchmark: decode and encode throughput of buoy's generated C
# (runtime/pb, release build) against C++ protobuf 3.21 with arenas and
# protobuf-c 1.4, on the classic google_message1 (proto2, proto3) and
# google_message2 datasets (../shared/bench) and on a service response of
# about 1 KB and 64 KB (codec/service.proto, payloads from codec/payloads.py).
# Every payload is first decoded and encoded again by each program and
# compared with the input (the numbers below are for correct code only).
# Prints MB/s (median of RUNS runs of MS milliseconds each, the programs
# taking turns) with ratios from the same run, then
# instructions per message under callgrind (K and K+N passes, difference / N,
# so setup cost cancels).
# Usage: bench/codec.sh [--no-instructions] [RUNS [MS]]   (defaults 7 and 200)
set -euo pipefail
cd "$(dirname "$0")/.."
instructions=1
if [ "${1:-}" = --no-instructions ]; then instructions=; shift; fi
runs=${1:-7}
ms=${2:-200}
bash tests/deps.sh protobuf-compiler libprotobuf-dev protobuf-c-compiler libprotobuf-c-dev python3-protobuf \
  g++ valgrind
if [ ! -f build-release/build.ninja ]; then
  meson setup build-release --buildtype=release -Db_ndebug=true >/dev/null
fi
ninja -C build-release >/dev/null

shared=$PWD/../shared/bench
codec=$PWD/bench/codec
out=$PWD/build-release/bench-codec
rm -rf "$out"
mkdir -p "$out"/buoy "$out"/cpp "$out"/pbc "$out"/py "$out"/data
cp "$shared"/dataset.*.pb "$out"/data/
m1="benchmark_message1_proto2.proto benchmark_message1_proto3.proto"
m2=benchmark_message2.proto
svc=service.proto
py=/usr/bin/python3

protoc -I "$codec" -I "$shared" --python_out="$out"/py $svc benchmarks.proto
$py "$codec"/payloads.py "$out"/py "$out"/data

# buoy: generated C at -O2 over the release runtime; C++: -O2 with arenas;
# protobuf-c: -O2 (without google_message2: protoc-c 1.4 crashes on its groups).
build-release/buoy debug gen-c -I "$shared" -I "$codec" -o "$out"/buoy $m1 $m2 $svc
protoc -I "$shared" -I "$codec" --cpp_out="$out"/cpp $m1 $m2 $svc
protoc -I "$shared" -I "$codec" --c_out="$out"/pbc $m1 $svc
nice gcc -std=c11 -O2 -Wall -Wextra -Werror -DNDEBUG -I runtime -I "$out"/buoy -I "$codec" -o "$out"/bench-buoy \
  "$codec"/bench_buoy.c "$out"/buoy/*.pb.c build-release/libbuoy-pb.a &
buoy_cc=$!
nice g++ -std=c++17 -O2 -Wall -Wextra -Werror -DNDEBUG -I "$out"/cpp -I "$codec" -o "$out"/bench-cpp \
  "$codec"/bench_cpp.cc "$out"/cpp/*.pb.cc -lprotobuf -lpthread
wait $buoy_cc
nice gcc -std=c11 -O2 -Wall -Wextra -Werror -DNDEBUG -I "$out"/pbc -I "$codec" -o "$out"/bench-pbc \
  "$codec"/bench_pbc.c "$out"/pbc/*.pb-c.c -lprotobuf-c

datasets="google_message1_proto2 google_message1_proto3 google_message2 service_1k service_64k"
programs="bench-buoy bench-cpp bench-pbc"
# Each program decodes and encodes every payload: buoy must write what C++
# writes, byte for byte; protobuf-c is only reported when it differs.
for d in $datasets; do
  for p in $programs; do
    "$out"/$p check "$out"/data/dataset.$d.pb "$out"/$p.$d.out
  done
  if ! cmp -s "$out"/bench-buoy.$d.out "$out"/bench-cpp.$d.out; then
    echo "buoy's encoding of $d differs from C++'s"; exit 1
  fi
  if [ -f "$out"/bench-pbc.$d.out ] && ! cmp -s "$out"/bench-pbc.$d.out "$out"/bench-cpp.$d.out; then
    echo "note: protobuf-c's encoding of $d differs from C++'s"
  fi
done

# The runs interleave the programs, so a change in the machine's load
# while the benchmark runs touches them all alike.
for r in $(seq "$runs"); do
  for d in $datasets; do
    for p in $programs; do
      nice "$out"/$p speed "$out"/data/dataset.$d.pb 1 "$ms"
    done
  done
done > "$out"/speed.txt

if [ -n "$instructions" ]; then
  # K and K+N passes over google_message1 (one 228-byte payload per pass).
  k=100
  n=1000
  for d in google_message1_proto2 google_message1_proto3; do
    for p in $programs; do
      for op in decode encode; do
        for iters in $k $((k + n)); do
          valgrind --tool=callgrind --callgrind-out-file="$out"/cg.out \
            "$out"/$p count $op "$out"/data/dataset.$d.pb $iters >/dev/null 2>"$out"/cg.err
          ir=$(sed -n 's/^summary: *//p' "$out"/cg.out)
          echo "IR $p $op $d $iters $ir"
        done
      done
    done
  done > "$out"/instructions.txt
  rm -f "$out"/cg.out
fi

python3 "$codec"/report.py "$out"/speed.txt "$runs" "$ms" ${instructions:+"$out"/instructions.txt}
