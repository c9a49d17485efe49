#!/usr/bin/env bash
# Records the oracle output for every invalid .proto file:
# testdata/syntax/invalid/X.proto -> testdata/syntax/invalid/X.proto.err
#
#   X.proto whose name starts with ed_ (editions):  buf 1.75 (supports editions 2023, 2024)
#   every other X.proto (proto2 / proto3):         protoc 3.21 (Debian protobuf-compiler)
#
# The .err file is the oracle's complete stdout+stderr, verbatim. Paths in it are
# just X.proto: protoc runs inside testdata/syntax/invalid, buf runs on a copy of
# the single file in an empty temporary directory (so that no other file of the
# directory is compiled, and no buf.yaml applies).
#
# Usage: tests/oracle/record-syntax-errors.sh [--compare] [NAME...]
#   NAME...    only these files (X or X.proto); default: all
#   --compare  record nothing; run buf on the proto2/proto3 files too and print
#              those whose first error line:col differs from protoc's .err
# Environment: PROTOC (default: protoc on PATH), PROTOC_INCLUDE (default: /usr/include,
#   must hold google/protobuf/descriptor.proto), BUF (default: buf on PATH, else
#   /opt/buf/node_modules/.bin/buf).
# Idempotent: running it again rewrites the same .err files. An oracle that is
# absent is skipped with a message (its files' .err are left as they are).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=testdata/syntax/invalid

compare=0
names=()
for a in "$@"; do
  case "$a" in
    --compare) compare=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) names+=("$(basename "${a%.err}" .proto).proto") ;;
  esac
done
all=0
if [ ${#names[@]} -eq 0 ]; then
  all=1
  for p in "$dir"/*.proto; do names+=("$(basename "$p")"); done
fi

PROTOC=${PROTOC:-$(command -v protoc || true)}
PROTOC_INCLUDE=${PROTOC_INCLUDE:-/usr/include}
BUF=${BUF:-$(command -v buf || true)}
[ -n "$BUF" ] || { [ -x /opt/buf/node_modules/.bin/buf ] && BUF=/opt/buf/node_modules/.bin/buf; } || true

have_protoc=1
if [ -z "$PROTOC" ] || [ ! -x "$PROTOC" ]; then
  echo "SKIP protoc cases: protoc not found (apt-get install -y protobuf-compiler)" >&2; have_protoc=0
elif [ ! -f "$PROTOC_INCLUDE/google/protobuf/descriptor.proto" ]; then
  echo "SKIP protoc cases: no $PROTOC_INCLUDE/google/protobuf/descriptor.proto (apt-get install -y libprotobuf-dev)" >&2; have_protoc=0
fi
have_buf=1
if [ -z "$BUF" ] || [ ! -x "$BUF" ]; then
  echo "SKIP buf cases: buf not found (cd /opt/buf && npm install @bufbuild/buf@1.75.0, or set BUF=)" >&2; have_buf=0
fi

# The .err files were recorded with these versions; others may word or place errors differently.
if [ $have_protoc = 1 ] && [ "$("$PROTOC" --version 2>&1)" != "libprotoc 3.21.12" ]; then
  echo "warning: $PROTOC is $("$PROTOC" --version 2>&1), the .err files come from libprotoc 3.21.12" >&2
fi
if [ $have_buf = 1 ] && [ "$("$BUF" --version 2>&1)" != "1.75.0" ]; then
  echo "warning: $BUF is version $("$BUF" --version 2>&1), the .err files come from buf 1.75.0" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_protoc() { # file -> output on stdout
  (cd "$dir" && "$PROTOC" -I . -I "$PROTOC_INCLUDE" --descriptor_set_out=/dev/null "$1" 2>&1) || true
}
run_buf() { # file -> output on stdout
  local d="$tmp/case"
  rm -rf "$d"; mkdir "$d"
  cp "$dir/$1" "$d/$1"
  (cd "$d" && "$BUF" build "$1" -o /dev/null 2>&1) || true
}
first_pos() { # text on stdin, file name -> "line:col" of the first X.proto:L:C: line
  grep -a -m1 -oE "^$(printf '%s' "$1" | sed 's/[.]/[.]/g'):[0-9]+:[0-9]+:" | sed -E 's/^[^:]*:([0-9]+):([0-9]+):$/\1:\2/' || true
}

bad=0 done_=0 skipped=0
for f in "${names[@]}"; do
  if [ ! -f "$dir/$f" ]; then echo "no such file: $dir/$f" >&2; bad=$((bad+1)); continue; fi
  if [ $compare = 1 ]; then
    case "$f" in ed_*) continue ;; esac
    [ $have_buf = 1 ] || { echo "--compare needs buf" >&2; exit 1; }
    want=$( [ -f "$dir/$f.err" ] && first_pos "$f" < "$dir/$f.err" || true)
    bout=$(run_buf "$f" | tr -d '\0')
    got=$(printf '%s\n' "$bout" | first_pos "$f")
    if [ -z "$bout" ]; then got="accepted"
    elif [ -z "$got" ]; then got="no position: $(printf '%s\n' "$bout" | head -n1 | cut -c1-60)"
    fi
    [ "$want" = "$got" ] || printf '%-45s protoc %-7s buf %s\n' "$f" "$want" "$got"
    continue
  fi
  case "$f" in ed_*) sep=':' ;; *) sep=': ' ;; esac   # buf: X.proto:L:C:msg, protoc: X.proto:L:C: msg
  case "$f" in
    ed_*) [ $have_buf = 1 ] || { skipped=$((skipped+1)); continue; }; run_buf "$f" > "$dir/$f.err" ;;
    *)    [ $have_protoc = 1 ] || { skipped=$((skipped+1)); continue; }; run_protoc "$f" > "$dir/$f.err" ;;
  esac
  done_=$((done_+1))
  first=$(head -n1 "$dir/$f.err" | tr -d '\0')
  if [ ! -s "$dir/$f.err" ]; then
    echo "ACCEPTED by the oracle (empty output): $f" >&2; bad=$((bad+1))
  elif ! printf '%s\n' "$first" | grep -qaE "^$(printf '%s' "$f" | sed 's/[.]/[.]/g'):[0-9]+:[0-9]+${sep}[^ ]"; then
    echo "first line is not $f:LINE:COL: message: $f: $first" >&2; bad=$((bad+1))
  fi
done
[ $compare = 1 ] && exit 0
if [ $all = 1 ]; then   # drop .err files whose .proto is gone
  for e in "$dir"/*.proto.err; do
    [ -e "$e" ] && [ ! -f "${e%.err}" ] && { rm -f "$e"; echo "removed stale $e"; }
  done
fi
echo "recorded $done_ .err files, skipped $skipped, $bad problem(s)"
[ $bad = 0 ]
