#!/usr/bin/env bash
# Browser end-to-end tests of the panels (issue 6): builds the extension and webviews, writes a
# fixture run with the engine's writers (test/vscode/e2e/fixture.ts: 24 rows + a 10,000-row
# gallery), starts code-server with the extension as a development extension, and drives Debian's
# chromium through playwright-core (test/vscode/e2e/panels.e2e.cjs): each panel opened by command,
# content asserted, theme switched, screenshots saved.
# Closing line: "panels: N passed, N failed"; exit 1 on any failure.
# R: working folder (default .vscode-ci-panels); RFL_E2E_BIG_ROWS: gallery size (default 10000).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
R=${R:-$ROOT/.vscode-ci-panels}
SHOTS=${RFL_E2E_SHOTS:-$R/screenshots}
die() { echo "e2e-panels: $*" >&2; echo "panels: 0 passed, 1 failed"; exit 1; }

mkdir -p "$R/logs" "$R/tmp"
bash scripts/vscode/install.sh >"$R/logs/install.log" 2>&1 || { tail -20 "$R/logs/install.log"; die "install failed"; }
node esbuild.mjs --only extension,worker,webview >"$R/logs/build.log" 2>&1 || { cat "$R/logs/build.log"; die "build failed"; }
npx tsx test/vscode/e2e/fixture.ts "$R/fixture" "${RFL_E2E_BIG_ROWS:-10000}" || die "fixture failed"

CS=$R/cs/node_modules/.bin/code-server
export TMPDIR=$R/tmp XDG_CONFIG_HOME=$R/home/.config XDG_DATA_HOME=$R/home/.local/share XDG_CACHE_HOME=$R/home/.cache
export PW_CORE=$R/tools/node_modules/playwright-core
rm -rf "$R"/tmp/e2e-ud-* "$R"/tmp/e2e-ex-*
CS_PID=
# Only the code-server we started, by its PID (others may run their own).
stop_cs() { [ -n "$CS_PID" ] && kill "$CS_PID" 2>/dev/null && wait "$CS_PID" 2>/dev/null; CS_PID=; }
trap stop_cs EXIT
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
ud=$(mktemp -d "$R/tmp/e2e-ud-XXXX") ex=$(mktemp -d "$R/tmp/e2e-ex-XXXX")
mkdir -p "$ud/User"
echo '{"workbench.startupEditor":"none","workbench.colorTheme":"Default Dark Modern","telemetry.telemetryLevel":"off","extensions.autoCheckUpdates":false,"extensions.autoUpdate":false,"workbench.tips.enabled":false,"chat.commandCenter.enabled":false,"git.openRepositoryInParentFolders":"never","git.enabled":false}' >"$ud/User/settings.json"
"$CS" --bind-addr "127.0.0.1:$port" --auth none --user-data-dir "$ud" --extensions-dir "$ex" \
  --disable-telemetry --disable-update-check --disable-workspace-trust >"$R/logs/cs-e2e.log" 2>&1 &
CS_PID=$!
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" || { cat "$R/logs/cs-e2e.log"; die "code-server did not start"; }
RFL_E2E_SETTINGS=$ud/User/settings.json node test/vscode/e2e/panels.e2e.cjs "http://127.0.0.1:$port" "$ROOT" "$R/fixture" "$SHOTS" 2>&1 | tee "$R/logs/e2e-panels.log"
rc=${PIPESTATUS[0]}
stop_cs
grep -q '^panels: ' "$R/logs/e2e-panels.log" || { echo "panels: 0 passed, 1 failed"; exit 1; }
exit "$rc"
