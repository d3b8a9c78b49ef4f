#!/usr/bin/env bash
# Installs the Debian packages multus-swift builds and tests with, if missing.
set -euo pipefail
packages=(containernetworking-plugins libnl-3-dev libnl-route-3-dev zlib1g-dev libyaml-dev pkg-config iproute2
          busybox-static file jq hyperfine time bc podman runc
          valgrind python3 binutils
          # containerd's CRI drives multus-swift; the test builds its pause image with gcc -static
          containerd gcc libc6-dev
          # a real gRPC server (grpcio) for the UnaryGRPC interop test
          python3-grpcio)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]} (run as root or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
