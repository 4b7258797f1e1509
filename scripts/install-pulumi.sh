#!/usr/bin/env bash
# Build the pinned Pulumi CLI (and, when the module proxy serves it, the Python language host)
# from Go modules. The CLI cannot be downloaded on our machines; the Go module proxy is reachable.
# Where the real language host cannot be built, our stand-in (tools/language-host) goes in its
# place, refreshed from this checkout on every run; $CACHE_DIR/LANGUAGE_HOST says which is there.
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
STANDIN_SRC="$ROOT/tools/language-host"
# The stand-in host runs on a Python with the Pulumi SDK and grpcio: by default this checkout's.
HOST_PYTHON="${PULUMI_STANDIN_PYTHON:-$ROOT/.venv/bin/python}"

log() { echo "[install-pulumi] $*" >&2; }

cli_ready() {
  [ -x "$1/pulumi" ] && [ -x "$1/pulumi-resource-pulumi-python" ] \
    && [ "$("$1/pulumi" version 2>/dev/null)" = "$VERSION" ]
}
# The stand-in is a shell script; the real host is a Go binary.
is_standin() { [ "$(head -c 2 "$1" 2>/dev/null)" = "#!" ]; }

# Replace $2 by $1 atomically when they differ, so running programs never see half a file.
install_file() {
  if ! cmp -s "$1" "$2"; then
    install -m 0755 "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
  fi
}

# The SDK's own program launcher, shipped in the sdk/v3 module zip (needs Go when not cached yet).
install_exec_script() {
  local bin="$1" sdk
  [ -x "$bin/pulumi-language-python-exec" ] && return 0
  command -v go >/dev/null 2>&1 || return 1
  sdk="$(cd "$BUILD_MOD" && GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/sdk/v3@$VERSION" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || return 1
  [ -f "$sdk/python/cmd/pulumi-language-python-exec" ] || return 1
  install_file "$sdk/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
}

# Put a Python language host next to `pulumi` and record which one it is, and why.
ensure_langhost() {
  local bin="$1" record="$CACHE_DIR/LANGUAGE_HOST" reason
  if [ -x "$bin/pulumi-language-python" ] && ! is_standin "$bin/pulumi-language-python"; then
    printf 'real\npulumi-language-python built from %s@%s\n' "$LANGHOST_MODULE" "$LANGHOST_VERSION" > "$record"
    log "Python language host: the real one (directory programs run with 'pulumi up')"
    return
  fi
  reason="$(cat "$CACHE_DIR/LANGUAGE_HOST_UNAVAILABLE" 2>/dev/null || echo "it is not in this cache")"
  if ! install_exec_script "$bin"; then
    printf 'none\nthe real pulumi-language-python could not be built (%s), and the stand-in needs pulumi-language-python-exec from the sdk/v3 module, which could not be fetched without Go\n' "$reason" > "$record"
    log "Python language host: NONE ($(sed -n 2p "$record"))"
    return
  fi
  install_file "$STANDIN_SRC/pulumi_language_host.py" "$bin/pulumi_language_host.py"
  install_file "$STANDIN_SRC/pulumi-language-python" "$bin/pulumi-language-python"
  if [ -x "$HOST_PYTHON" ]; then
    printf '%s\n' "$HOST_PYTHON" > "$bin/pulumi-language-python.python.tmp.$$"
    mv -f "$bin/pulumi-language-python.python.tmp.$$" "$bin/pulumi-language-python.python"
  fi
  printf 'stand-in\nthe real pulumi-language-python could not be built: %s\nin its place: the stand-in from %s (a Python gRPC server on the Pulumi SDK'"'"'s LanguageRuntime stubs that runs programs with the SDK'"'"'s pulumi-language-python-exec), on %s\n' \
    "$reason" "$STANDIN_SRC" "$(cat "$bin/pulumi-language-python.python" 2>/dev/null || echo 'PULUMI_PYTHON_CMD or python3')" > "$record"
  log "Python language host: the stand-in from tools/language-host (the real one could not be built: $reason)"
}

link_local() {
  ensure_langhost "$CACHE_BIN"
  mkdir -p "$(dirname "$LOCAL_DIR")"
  rm -rf "$LOCAL_DIR"
  ln -s "$CACHE_DIR" "$LOCAL_DIR"
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
install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$TMP_BIN/pulumi-language-python-exec"
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
