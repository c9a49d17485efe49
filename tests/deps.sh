#!/usr/bin/env bash
# Installs the Debian 12 packages buoy's build and tests need, if any are missing.
# Usage: tests/deps.sh [extra-package...]
set -euo pipefail
pkgs=(meson ninja-build re2c lemon gcc pkg-config libyaml-dev libnghttp2-dev libssl-dev python3 xz-utils "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
