#!/usr/bin/env bash
# Records the oracle output for every invalid compile case:
#   testdata/compile/invalid/X.proto  -> testdata/compile/invalid/X.proto.err
#   testdata/compile/invalid/X/       -> testdata/compile/invalid/X.err
# A directory holds several files; main.proto is the one compiled, with the
# directory as the only import path (besides the well-known types).
#
#   X whose name starts with ed_ (editions):  buf 1.75 (supports editions 2023, 2024)
#   every other X (proto2 / proto3):         protoc 3.21 (Debian protobuf-compiler)
#
# The .err file is the oracle's complete stdout+stderr, verbatim. protoc runs
# inside the case's directory (-I . -I /usr/include); buf runs on a copy of the
# file or directory in an empty temporary directory (no buf.yaml applies).
#
# Usage: tests/oracle/record-compile-errors.sh [--compare] [NAME...]
#   NAME...    only these cases (X, X.proto or X/); default: all
#   --compare  record nothing; run buf on the proto2/proto3 cases too and print
#              those whose first error differs from protoc's .err
# Environment: PROTOC (default: protoc on PATH), PROTOC_INCLUDE (default:
#   /usr/include, must hold google/protobuf/descriptor.proto), BUF (default: buf
#   on PATH, else .oracles/node_modules/.bin/buf).
# Idempotent. An oracle that is absent is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=testdata/compile/invalid

compare=0
names=()
for a in "$@"; do
  case "$a" in
    --compare) compare=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) a=${a%/}; a=${a%.err}; names+=("$(basename "$a" .proto)") ;;
  esac
done
all=0
if [ ${#names[@]} -eq 0 ]; then
  all=1
  for p in "$dir"/*.proto "$dir"/*/; do [ -e "$p" ] && names+=("$(basename "${p%/}" .proto)"); done
fi

PROTOC=${PROTOC:-$(command -v protoc || true)}
PROTOC_INCLUDE=${PROTOC_INCLUDE:-/usr/include}
BUF=${BUF:-$(command -v buf || true)}
[ -n "$BUF" ] || { [ -x .oracles/node_modules/.bin/buf ] && BUF=$PWD/.oracles/node_modules/.bin/buf; } || true

have_protoc=1
if [ -z "$PROTOC" ] || [ ! -x "$PROTOC" ]; then
  echo "SKIP protoc cases: protoc not found (apt-get install -y protobuf-compiler)" >&2; have_protoc=0
elif [ ! -f "$PROTOC_INCLUDE/google/protobuf/descriptor.proto" ]; then
  echo "SKIP protoc cases: no $PROTOC_INCLUDE/google/protobuf/descriptor.proto (apt-get install -y libprotobuf-dev)" >&2; have_protoc=0
fi
have_buf=1
if [ -z "$BUF" ] || [ ! -x "$BUF" ]; then
  echo "SKIP buf cases: buf not found (bash tests/oracles.sh, or set BUF=)" >&2; have_buf=0
fi
if [ $have_protoc = 1 ] && [ "$("$PROTOC" --version 2>&1)" != "libprotoc 3.21.12" ]; then
  echo "warning: $PROTOC is $("$PROTOC" --version 2>&1), the .err files come from libprotoc 3.21.12" >&2
fi
if [ $have_buf = 1 ] && [ "$("$BUF" --version 2>&1)" != "1.75.0" ]; then
  echo "warning: $BUF is version $("$BUF" --version 2>&1), the .err files come from buf 1.75.0" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# case name -> "directory file" to compile
where() {
  if [ -d "$dir/$1" ]; then echo "$dir/$1 main.proto"; else echo "$dir $1.proto"; fi
}
errfile() { if [ -d "$dir/$1" ]; then echo "$dir/$1.err"; else echo "$dir/$1.proto.err"; fi; }
run_protoc() { # name -> output on stdout
  set -- $(where "$1")
  (cd "$1" && "$PROTOC" -I . -I "$PROTOC_INCLUDE" --descriptor_set_out=/dev/null "$2" 2>&1) || true
}
run_buf() { # name -> output on stdout
  local d="$tmp/case"
  rm -rf "$d"; mkdir "$d"
  set -- $(where "$1")
  if [ "$1" = "$dir" ]; then cp "$1/$2" "$d/"; else cp -r "$1/." "$d/"; rm -f "$d"/*.err; fi
  (cd "$d" && "$BUF" build "$2" -o /dev/null 2>&1) || true
}
first_error() { # text on stdin -> "path:line:col" or "path:-" of the first error line (warnings skipped)
  grep -a -E '^[^: ]+\.proto:([0-9]+:[0-9]+:)?' | grep -a -v -E '^[^: ]+\.proto:[0-9]+:[0-9]+: ?warning:' | head -n1 |
    sed -E 's/^([^: ]+\.proto):([0-9]+):([0-9]+):.*$/\1:\2:\3/; t; s/^([^: ]+\.proto):.*$/\1:-/' || true
}

bad=0 done_=0 skipped=0
for n in "${names[@]}"; do
  if [ ! -e "$dir/$n.proto" ] && [ ! -d "$dir/$n" ]; then echo "no such case: $dir/$n" >&2; bad=$((bad+1)); continue; fi
  err=$(errfile "$n")
  if [ $compare = 1 ]; then
    case "$n" in ed_*) continue ;; esac
    [ $have_buf = 1 ] || { echo "--compare needs buf" >&2; exit 1; }
    want=$( [ -f "$err" ] && first_error < "$err" || true)
    bout=$(run_buf "$n" | tr -d '\0')
    got=$(printf '%s\n' "$bout" | first_error)
    [ -n "$bout" ] || got="accepted"
    [ "$want" = "$got" ] || printf '%-45s protoc %-28s buf %s\n' "$n" "$want" "$got"
    continue
  fi
  case "$n" in
    ed_*) [ $have_buf = 1 ] || { skipped=$((skipped+1)); continue; }; run_buf "$n" > "$err" ;;
    *)    [ $have_protoc = 1 ] || { skipped=$((skipped+1)); continue; }; run_protoc "$n" > "$err" ;;
  esac
  done_=$((done_+1))
  if [ ! -s "$err" ]; then
    echo "ACCEPTED by the oracle (empty output): $n" >&2; bad=$((bad+1))
  elif [ -z "$(first_error < "$err")" ]; then
    echo "no error line in the oracle's output: $n: $(head -n1 "$err")" >&2; bad=$((bad+1))
  fi
done
[ $compare = 1 ] && exit 0
if [ $all = 1 ]; then   # drop .err files whose case is gone
  for e in "$dir"/*.err; do
    [ -e "$e" ] || continue
    base=${e%.err}
    [ -e "$base" ] || { rm -f "$e"; echo "removed stale $e"; }
  done
fi
echo "recorded $done_ .err files, skipped $skipped, $bad problem(s)"
[ $bad = 0 ]
