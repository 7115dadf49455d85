#!/usr/bin/env bash
# Tests of the panels (issue 6) in code-server 4.100.3 + Debian chromium (playwright-core), offline:
#  1. extension-host suite test/vscode/suite/panels*.test.ts (commands open panels, host-side data
#     of a copy of the fixture's run, message validation), alone, through runExtTests.cjs;
#  2. browser end-to-end test/vscode/e2e/panels.e2e.cjs on a fixture made by the engine's own
#     commands on Fashion-MNIST (test/vscode/e2e/fixture.ts: reproduce --profile smoke on 24
#     images, gradients, transfer, and a 10,000-row gallery by construct): each panel opened by command,
#     content asserted against the files the engine wrote, themes switched, screenshots saved;
#  3. browser test of the Getting Started walkthrough (e2e-walkthrough.sh), from an empty folder.
# Closing line: "panels: N passed, N failed, N skipped"; exit 1 on any failure.
# R: working folder (default .vscode-ci, as run-tests.sh); RFL_E2E_BIG_ROWS: gallery size (default 10000);
# RFL_E2E_ONLY: regex of browser checks to run; RFL_E2E_SHOTS: screenshot folder.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export R=${R:-$ROOT/.vscode-ci}  # shared with run-tests.sh (one code-server install); install.sh reads R
SHOTS=${RFL_E2E_SHOTS:-$R/screenshots}
PASSED=0
FAILED=0
SKIPPED=0
summary() { echo "panels: $PASSED passed, $FAILED failed, $SKIPPED skipped"; }
die() { echo "e2e-panels: $*" >&2; FAILED=$((FAILED + 1)); summary; exit 1; }

mkdir -p "$R/logs" "$R/tmp"
bash scripts/vscode/install.sh >"$R/logs/install.log" 2>&1 || { tail -20 "$R/logs/install.log"; die "install failed"; }
# cli: fixture.ts runs the engine's commands through the built CLI.
node esbuild.mjs --only extension,worker,webview,cli >"$R/logs/build.log" 2>&1 || { cat "$R/logs/build.log"; die "build failed"; }
node scripts/vscode/build-tests.mjs "$R/dist-test" >>"$R/logs/build.log" 2>&1 || { cat "$R/logs/build.log"; die "test build failed"; }
s=$SECONDS
npx tsx test/vscode/e2e/fixture.ts "$R/fixture" "${RFL_E2E_BIG_ROWS:-10000}" || die "fixture failed"
echo "### fixture (reproduce, gradients, transfer, construct) took $((SECONDS - s))s"

CS=$R/cs/node_modules/.bin/code-server
export TMPDIR=$R/tmp XDG_CONFIG_HOME=$R/home/.config XDG_DATA_HOME=$R/home/.local/share XDG_CACHE_HOME=$R/home/.cache
export PW_CORE=$R/tools/node_modules/playwright-core RFL_MOCHA_PATH=$R/tools/node_modules/mocha
rm -rf "$R"/tmp/e2e-ud-* "$R"/tmp/e2e-ex-* "$R"/tmp/e2e-ws-* "$R/results-panels.json" "$SHOTS"
CS_PID=
# Only the code-server we started, by its PID (others may run their own).
stop_cs() { [ -n "$CS_PID" ] && kill "$CS_PID" 2>/dev/null && wait "$CS_PID" 2>/dev/null; CS_PID=; }
trap stop_cs EXIT
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
ud=$(mktemp -d "$R/tmp/e2e-ud-XXXX") ex=$(mktemp -d "$R/tmp/e2e-ex-XXXX") ws=$(mktemp -d "$R/tmp/e2e-ws-XXXX")
mkdir -p "$ud/User"
echo '{"workbench.startupEditor":"none","telemetry.telemetryLevel":"off","extensions.autoCheckUpdates":false,"extensions.autoUpdate":false,"workbench.tips.enabled":false,"chat.commandCenter.enabled":false,"git.openRepositoryInParentFolders":"never","git.enabled":false}' >"$ud/User/settings.json"
# Only the panels suites (index.ts's 'panels' session): the others belong to run-tests.sh.
# RFL_PANELS_FIXTURE: the suite reads the same reproduce run (a copy of it) as the browser tests.
RFL_VSCODE_SUITE=panels RFL_TEST_RESULT_FILE=$R/results-panels.json RFL_PANELS_FIXTURE=$R/fixture \
  "$CS" --bind-addr "127.0.0.1:$port" --auth none --user-data-dir "$ud" --extensions-dir "$ex" \
  --disable-telemetry --disable-update-check --disable-workspace-trust >"$R/logs/cs-e2e.log" 2>&1 &
CS_PID=$!
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" || { cat "$R/logs/cs-e2e.log"; die "code-server did not start"; }

# 1. extension-host suite
s=$SECONDS
node scripts/vscode/runExtTests.cjs "http://127.0.0.1:$port" "$ROOT" "$R/dist-test/index.js" "$ws" >"$R/logs/ext-panels.log" 2>&1
rc=$?
grep -e '^\[ext-host' -e '^extension tests exit' -e '^runExtTests' "$R/logs/ext-panels.log" | sed 's/^\[ext-host [a-z]*\] //'
if [ -f "$R/results-panels.json" ]; then
  read -r p f k < <(node -e "const r=require('$R/results-panels.json');console.log(r.passes,r.failures,r.skipped)")
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + k))
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && FAILED=$((FAILED + 1))
else
  echo "extension-host panels suite produced no results (rc=$rc); see $R/logs/ext-panels.log"
  FAILED=$((FAILED + 1))
fi
echo "### extension-host panels suite took $((SECONDS - s))s"

# 2. browser end-to-end
s=$SECONDS
node test/vscode/e2e/panels.e2e.cjs "http://127.0.0.1:$port" "$ROOT" "$R/fixture" "$SHOTS" >"$R/logs/e2e-panels.log" 2>&1
rc=$?
grep -e '^\[' "$R/logs/e2e-panels.log" | grep -v '\[console\]' | grep -v '^\[2m' | cut -c1-400
line=$(grep '^browser: ' "$R/logs/e2e-panels.log")
if [ -n "$line" ]; then
  read -r p f < <(echo "$line" | sed -E 's/browser: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && FAILED=$((FAILED + 1))
else
  echo "browser tests produced no summary (rc=$rc); see $R/logs/e2e-panels.log"
  FAILED=$((FAILED + 1))
fi
echo "### browser panels tests took $((SECONDS - s))s"
stop_cs

# 3. the Getting Started walkthrough, from an empty workspace (its own code-server)
RFL_E2E_SHOTS=$SHOTS bash scripts/vscode/e2e-walkthrough.sh | tee "$R/logs/walkthrough.log" | grep -v '^walkthrough: '
line=$(grep '^walkthrough: ' "$R/logs/walkthrough.log")
if [ -n "$line" ]; then
  read -r p f < <(echo "$line" | sed -E 's/walkthrough: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
else
  echo "walkthrough test produced no summary; see $R/logs/e2e-walkthrough.log"
  FAILED=$((FAILED + 1))
fi
echo "screenshots: $SHOTS"
ls "$SHOTS"/*.png 2>/dev/null | sed 's/^/  /'
summary
[ "$FAILED" -eq 0 ]
