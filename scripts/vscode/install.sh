#!/usr/bin/env bash
# Installs what the real-VS-Code tests need into .vscode-ci/ (git ignores it):
# code-server (a VS Code 1.100.3 server, from npm), playwright-core (drives Debian's chromium)
# and mocha (runs inside the extension host). Idempotent: each step is skipped when done.
# Offline-safe: only the npm registry and Debian apt are used (see /work/shared/recipes/vscode-ci).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
R=${R:-$ROOT/.vscode-ci}
# 4.100.3 is the last code-server whose engines.node accepts Node 20 (VS Code 1.100.3);
# package.json's engines.vscode (^1.100.0) must stay at or below it.
CS_VERSION=${CS_VERSION:-4.100.3}
PW_VERSION=${PW_VERSION:-1.65.1}
MOCHA_VERSION=${MOCHA_VERSION:-10}
mkdir -p "$R/tmp" "$R/home"
export npm_config_nodedir=${npm_config_nodedir:-/usr} # node-gyp: local Node headers, never download them
t() { local s=$SECONDS; "$@"; echo "### $1 took $((SECONDS - s))s"; }

step_apt() {
  command -v chromium >/dev/null && dpkg -s libkrb5-dev ripgrep >/dev/null 2>&1 && return 0
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev ripgrep
}

step_codeserver() {
  [ -x "$R/cs/node_modules/.bin/code-server" ] && return 0
  # @vscode/ripgrep's postinstall downloads rg from GitHub; seed its cache with Debian's rg instead.
  mkdir -p "$R/tmp/vscode-ripgrep-cache-1.15.11"
  tar czf "$R/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg
  mkdir -p "$R/cs" && echo '{"name":"cs","private":true}' >"$R/cs/package.json"
  # yes=true: node-pty's install runs `npx node-gyp`; unsafe_perm: code-server's postinstall refuses root otherwise.
  (cd "$R/cs" && TMPDIR=$R/tmp npm_config_yes=true npm_config_unsafe_perm=true \
    npm install --no-audit --no-fund "code-server@$CS_VERSION" >"$R/cs-install.log" 2>&1) ||
    { tail -30 "$R/cs-install.log"; return 1; }
}

step_tools() {
  [ -d "$R/tools/node_modules/playwright-core" ] && [ -d "$R/tools/node_modules/mocha" ] && return 0
  mkdir -p "$R/tools" && echo '{"name":"tools","private":true}' >"$R/tools/package.json"
  (cd "$R/tools" && npm install --no-audit --no-fund "playwright-core@$PW_VERSION" "mocha@$MOCHA_VERSION" >"$R/tools-install.log" 2>&1) ||
    { tail -30 "$R/tools-install.log"; return 1; }
}

# --tools-only: playwright-core and mocha only (what scripts/vscode/run-electron.mjs needs).
if [ "${1:-}" = --tools-only ]; then t step_tools; exit 0; fi
t step_apt
t step_codeserver
t step_tools
"$R/cs/node_modules/.bin/code-server" --version 2>/dev/null | tail -1
