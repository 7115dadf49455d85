#!/usr/bin/env bash
# Runs test/vscode/suite inside a real VS Code: code-server 4.100.3 (VS Code 1.100.3) driven by
# Debian's chromium through playwright-core, fully offline (recipe: /work/shared/recipes/vscode-ci).
# Two sessions: 'main' (workspace trust off: activation, commands, backend, training jobs) and
# 'restricted' (trust on, so the fresh folder opens in Restricted Mode, with a checkpoint in it).
# The panels suites run in the panels tier (e2e-panels.sh), not here.
# Arguments, if any, name the sessions to run instead (bench-activation.sh: activation ×N).
# RFL_VSIX_CHECK=1 adds a packaged-VSIX check (scripts/vscode/check-vsix.cjs).
# Closing line, read by scripts/runTests.mjs: "vscode: N passed, N failed, N skipped". Exit 1 on
# any failure.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
R=${R:-$ROOT/.vscode-ci}
PASSED=0
FAILED=0
SKIPPED=0
RUN=0
summary() { echo "vscode: $PASSED passed, $FAILED failed, $SKIPPED skipped"; }
die() { echo "run-tests: $*" >&2; FAILED=$((FAILED + 1)); summary; exit 1; }

mkdir -p "$R/logs" "$R/tmp"
bash scripts/vscode/install.sh >"$R/logs/install.log" 2>&1 || { tail -20 "$R/logs/install.log"; die "install failed"; }
node esbuild.mjs --only extension,worker >"$R/logs/build.log" 2>&1 || { cat "$R/logs/build.log"; die "extension/worker build failed"; }
node scripts/vscode/build-tests.mjs "$R/dist-test" >>"$R/logs/build.log" 2>&1 || { cat "$R/logs/build.log"; die "test build failed"; }

CS=$R/cs/node_modules/.bin/code-server
# Keep everything code-server and chromium write out of $HOME.
export TMPDIR=$R/tmp XDG_CONFIG_HOME=$R/home/.config XDG_DATA_HOME=$R/home/.local/share XDG_CACHE_HOME=$R/home/.cache
export PW_CORE=$R/tools/node_modules/playwright-core RFL_MOCHA_PATH=$R/tools/node_modules/mocha
rm -rf "$R"/tmp/ud-* "$R"/tmp/ex-* "$R"/tmp/ws-* "$R"/results-*.json

CS_PID=
# Only the code-server we started, by its PID (never by name: others may run their own).
stop_cs() { [ -n "$CS_PID" ] && kill "$CS_PID" 2>/dev/null && wait "$CS_PID" 2>/dev/null; CS_PID=; }
trap stop_cs EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

session() { # $1 = suite name (main | restricted | activation)
  local name=$1 s=$SECONDS port ud ex ws trust=--disable-workspace-trust rc result
  RUN=$((RUN + 1))
  result=$R/results-$name-$RUN.json
  [ "$name" = restricted ] && trust=
  port=$(free_port)
  ud=$(mktemp -d "$R/tmp/ud-XXXX") ex=$(mktemp -d "$R/tmp/ex-XXXX") ws=$(mktemp -d "$R/tmp/ws-$name-XXXX")
  mkdir -p "$ud/User"
  echo '{"workbench.startupEditor":"none","telemetry.telemetryLevel":"off","extensions.autoCheckUpdates":false,"extensions.autoUpdate":false}' >"$ud/User/settings.json"
  if [ "$name" = restricted ]; then
    npx tsx test/vscode/restrictedWorkspace.ts "$ws" >"$R/logs/ws-$name.log" 2>&1 || { cat "$R/logs/ws-$name.log"; FAILED=$((FAILED + 1)); return; }
  fi
  RFL_VSCODE_SUITE=$name RFL_TEST_RESULT_FILE=$result \
    "$CS" --bind-addr "127.0.0.1:$port" --auth none --user-data-dir "$ud" --extensions-dir "$ex" \
    --disable-telemetry --disable-update-check $trust >"$R/logs/cs-$name.log" 2>&1 &
  CS_PID=$!
  for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" || { cat "$R/logs/cs-$name.log"; stop_cs; FAILED=$((FAILED + 1)); return; }
  node scripts/vscode/runExtTests.cjs "http://127.0.0.1:$port" "$ROOT" "$R/dist-test/index.js" "$ws" >"$R/logs/ext-$name.log" 2>&1
  rc=$?
  stop_cs
  grep -e '^\[ext-host' -e '^extension tests exit' -e '^runExtTests' -e '^\[pageerror' "$R/logs/ext-$name.log" | sed 's/^\[ext-host [a-z]*\] //'
  if [ -f "$result" ]; then
    read -r p f k < <(node -e "const r=require('$result');console.log(r.passes,r.failures,r.skipped)")
    PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + k))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && FAILED=$((FAILED + 1)) # runner failed outside mocha
  else
    echo "session $name produced no results (rc=$rc); see $R/logs/ext-$name.log"
    FAILED=$((FAILED + 1))
  fi
  echo "### session $name took $((SECONDS - s))s"
}

# Opt-in (RFL_VSIX_CHECK=1, ~50 s): package the VSIX as users get it and run its worker alone.
# Off by default: vsce's prepublish rebuilds dist/ in production mode, and it is slow.
vsix_check() {
  local s=$SECONDS vsix=$R/vsix/robust-features-lab.vsix
  mkdir -p "$R/vsix"
  if npx vsce package --skip-license -o "$vsix" >"$R/logs/vsix.log" 2>&1 && node scripts/vscode/check-vsix.cjs "$vsix"; then
    PASSED=$((PASSED + 1))
    echo "vsix: $(du -k "$vsix" | cut -f1) KB"
  else
    tail -20 "$R/logs/vsix.log"
    FAILED=$((FAILED + 1))
  fi
  echo "### vsix check took $((SECONDS - s))s"
}

T0=$SECONDS
if [ $# -gt 0 ]; then
  for name in "$@"; do session "$name"; done
else
  session main
  session restricted
  [ "${RFL_VSIX_CHECK:-0}" = 1 ] && vsix_check
fi
echo "### vscode tests took $((SECONDS - T0))s (logs: $R/logs)"
summary
[ "$FAILED" -eq 0 ]
