#!/usr/bin/env bash
# Build the pinned Pulumi CLI and Python language host from Go modules.
#
# The CLI cannot be downloaded on our machines, but the Go module proxy is reachable. The result is
# cached by version outside the clone (so CI on a fresh clone reuses it) and linked into .tools/.
#
# Usage: scripts/install-pulumi.sh            -> prints the bin directory on the last line
# Env:   PULUMI_VERSION (default from tools/pulumi-build/VERSION), PULUMI_TOOLS_CACHE
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_MOD="$ROOT/tools/pulumi-build"
VERSION="${PULUMI_VERSION:-$(cat "$BUILD_MOD/VERSION")}"
CACHE_ROOT="${PULUMI_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-dms-tasks}"
CACHE_BIN="$CACHE_ROOT/pulumi/$VERSION/bin"
LOCAL_DIR="$ROOT/.tools/pulumi/$VERSION"

log() { echo "[install-pulumi] $*" >&2; }

complete() {
  local d="$1"
  [ -x "$d/pulumi" ] && [ -x "$d/pulumi-language-python" ] \
    && [ -x "$d/pulumi-resource-pulumi-python" ] && [ -x "$d/pulumi-language-python-exec" ] \
    && "$d/pulumi" version 2>/dev/null | grep -qx "$VERSION"
}

link_local() {
  mkdir -p "$(dirname "$LOCAL_DIR")"
  rm -rf "$LOCAL_DIR"
  ln -s "$(dirname "$CACHE_BIN")" "$LOCAL_DIR"
  echo "$LOCAL_DIR/bin"
}

if complete "$CACHE_BIN"; then
  log "reusing Pulumi CLI $VERSION from $CACHE_BIN"
  link_local
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "ERROR: Go is not installed (or not on PATH). The Pulumi CLI $VERSION is built from Go modules;"
  log "install Go >= 1.25 (https://go.dev/dl/) and run this script again."
  exit 2
fi

log "building Pulumi CLI $VERSION and the Python language host with $(go version)"
log "cold builds download several hundred modules and take a few minutes on 2 cores"
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}"
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}"
TMP_BIN="$CACHE_BIN.tmp.$$"
rm -rf "$TMP_BIN"; mkdir -p "$TMP_BIN"
trap 'rm -rf "$TMP_BIN"' EXIT

cd "$BUILD_MOD"
log "downloading modules (go mod download)..."
go mod download -x 2>&1 | awk '/^# get/ {n++; if (n % 100 == 0) printf "[install-pulumi] ... %d module files fetched\n", n > "/dev/stderr"}'
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
log "compiling pulumi..."
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" -o "$TMP_BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
log "compiling pulumi-language-python..."
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" -o "$TMP_BIN/pulumi-language-python" github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3

SDK_DIR="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$TMP_BIN/pulumi-resource-pulumi-python"
install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$TMP_BIN/pulumi-language-python-exec"

if ! complete "$TMP_BIN"; then
  log "ERROR: the build finished but '$TMP_BIN/pulumi version' does not report $VERSION"
  exit 1
fi
rm -rf "$CACHE_BIN"; mkdir -p "$(dirname "$CACHE_BIN")"; mv "$TMP_BIN" "$CACHE_BIN"
trap - EXIT
log "installed Pulumi CLI $VERSION into $CACHE_BIN"
link_local
