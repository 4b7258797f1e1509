#!/usr/bin/env bash
# Build the pinned Pulumi CLI (and, when the module proxy serves it, the Python language host)
# from Go modules. The CLI cannot be downloaded on our machines; the Go module proxy is reachable.
#
# The build is cached by version outside the clone ($PULUMI_TOOLS_CACHE, default
# ~/.cache/pulumi-dms-tasks) so a fresh clone (CI) reuses it, and linked into .tools/pulumi/<version>.
# Prints the bin directory as its last line of stdout; progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_MOD="$ROOT/tools/pulumi-build"
VERSION="$(cat "$BUILD_MOD/VERSION")"
# The language host is untagged upstream; this is the pseudo-version of the commit tagged with VERSION.
LANGHOST_MODULE="github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
LANGHOST_VERSION="v3.0.0-20260819165155-0ac56e876614"
CACHE_ROOT="${PULUMI_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-dms-tasks}"
CACHE_DIR="$CACHE_ROOT/pulumi/$VERSION"
CACHE_BIN="$CACHE_DIR/bin"
LOCAL_DIR="$ROOT/.tools/pulumi/$VERSION"

log() { echo "[install-pulumi] $*" >&2; }

cli_ready() {
  [ -x "$1/pulumi" ] && [ -x "$1/pulumi-resource-pulumi-python" ] \
    && [ "$("$1/pulumi" version 2>/dev/null)" = "$VERSION" ]
}
langhost_ready() { [ -x "$1/pulumi-language-python" ] && [ -x "$1/pulumi-language-python-exec" ]; }

link_local() {
  mkdir -p "$(dirname "$LOCAL_DIR")"
  rm -rf "$LOCAL_DIR"
  ln -s "$CACHE_DIR" "$LOCAL_DIR"
  if langhost_ready "$CACHE_BIN"; then
    log "Python language host: present (directory programs run with 'pulumi up')"
  else
    log "Python language host: NOT available: $(cat "$CACHE_DIR/LANGUAGE_HOST_UNAVAILABLE" 2>/dev/null || echo unknown)"
    log "  -> programs run through the Automation API's inline language host instead"
  fi
  echo "$LOCAL_DIR/bin"
}

if ! command -v go >/dev/null 2>&1; then
  if cli_ready "$CACHE_BIN"; then link_local; exit 0; fi
  log "ERROR: Go is not installed (or not on PATH). The Pulumi CLI $VERSION is built from Go modules:"
  log "install Go >= 1.25 (https://go.dev/dl/) and run 'make setup' again."
  exit 2
fi

export CGO_ENABLED=0 GOFLAGS="-mod=mod"
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
BUILD_FLAGS=(-trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS")

build_langhost() {
  # A failure here is reported, not fatal: the CLI and dynamic providers work without it.
  local work; work="$(mktemp -d)"
  local out
  if out="$(cd "$work" && go mod init langhost.local >/dev/null 2>&1 \
        && go mod edit -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e \
        && go get "$LANGHOST_MODULE@$LANGHOST_VERSION" "github.com/pulumi/pulumi/pkg/v3@$VERSION" "github.com/pulumi/pulumi/sdk/v3@$VERSION" 2>&1 \
        && go build "${BUILD_FLAGS[@]}" -o "$1/pulumi-language-python" "$LANGHOST_MODULE" 2>&1)"; then
    install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$1/pulumi-language-python-exec"
    rm -f "$CACHE_DIR/LANGUAGE_HOST_UNAVAILABLE"
    log "built pulumi-language-python"
  else
    log "could not build the Python language host $LANGHOST_MODULE@$LANGHOST_VERSION:"
    echo "$out" | tail -3 | sed 's/^/[install-pulumi]   /' >&2
    mkdir -p "$CACHE_DIR"
    echo "$out" | grep -m1 -E "403|404|not available|error" > "$CACHE_DIR/LANGUAGE_HOST_UNAVAILABLE" || echo "$out" | tail -1 > "$CACHE_DIR/LANGUAGE_HOST_UNAVAILABLE"
  fi
  rm -rf "$work"
}

if cli_ready "$CACHE_BIN"; then
  log "reusing Pulumi CLI $VERSION from $CACHE_BIN"
  link_local
  exit 0
fi

log "building Pulumi CLI $VERSION from Go modules with $(go version | cut -d' ' -f3)"
log "a cold build downloads a few hundred modules and compiles for a few minutes on 2 cores"
TMP_BIN="$CACHE_DIR/bin.tmp.$$"
rm -rf "$TMP_BIN"; mkdir -p "$TMP_BIN"
trap 'rm -rf "$TMP_BIN"' EXIT
cd "$BUILD_MOD"
log "[1/3] downloading modules..."
go mod download 2>&1 | sed 's/^/[install-pulumi]   /' >&2
SDK_DIR="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
log "[2/3] compiling pulumi (the longest step)..."
go build "${BUILD_FLAGS[@]}" -o "$TMP_BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
# Module files come read-only and without the run bit.
install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$TMP_BIN/pulumi-resource-pulumi-python"
log "[3/3] building the Python language host..."
build_langhost "$TMP_BIN"
if ! cli_ready "$TMP_BIN"; then
  log "ERROR: the build finished but '$TMP_BIN/pulumi version' does not print $VERSION"
  exit 1
fi
rm -rf "$CACHE_BIN"; mv "$TMP_BIN" "$CACHE_BIN"
trap - EXIT
log "installed Pulumi CLI $VERSION into $CACHE_BIN"
link_local
