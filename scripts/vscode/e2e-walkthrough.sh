#!/usr/bin/env bash
# Browser test of the Getting Started walkthrough (issue 22) in code-server + Debian chromium:
# test/vscode/e2e/walkthrough.e2e.cjs, from an empty workspace folder to the gallery and the
# results, a screenshot per step. Run by e2e-panels.sh (the panels tier) after the panels' checks,
# or alone. Closing line: "walkthrough: N passed, N failed"; exit 1 on any failure.
# R: working folder (default .vscode-ci); RFL_E2E_SHOTS: screenshot folder.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export R=${R:-$ROOT/.vscode-ci}
SHOTS=${RFL_E2E_SHOTS:-$R/screenshots}
summary() { echo "walkthrough: ${1:-0} passed, ${2:-1} failed"; }
die() { echo "e2e-walkthrough: $*" >&2; summary 0 1; exit 1; }

mkdir -p "$R/logs" "$R/tmp" "$SHOTS"
bash scripts/vscode/install.sh >"$R/logs/install.log" 2>&1 || { tail -20 "$R/logs/install.log"; die "install failed"; }
node esbuild.mjs --only extension,worker,webview,poolThread >"$R/logs/build-walkthrough.log" 2>&1 || { cat "$R/logs/build-walkthrough.log"; die "build failed"; }

CS=$R/cs/node_modules/.bin/code-server
export TMPDIR=$R/tmp XDG_CONFIG_HOME=$R/home/.config XDG_DATA_HOME=$R/home/.local/share XDG_CACHE_HOME=$R/home/.cache
export PW_CORE=$R/tools/node_modules/playwright-core
CS_PID=
# Only the code-server we started, by its PID (others may run their own).
stop_cs() { [ -n "$CS_PID" ] && kill "$CS_PID" 2>/dev/null && wait "$CS_PID" 2>/dev/null; CS_PID=; }
trap stop_cs EXIT
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
ud=$(mktemp -d "$R/tmp/wt-ud-XXXX") ex=$(mktemp -d "$R/tmp/wt-ex-XXXX") ws=$(mktemp -d "$R/tmp/wt-ws-XXXX")
mkdir -p "$ud/User"
echo '{"workbench.startupEditor":"none","telemetry.telemetryLevel":"off","extensions.autoCheckUpdates":false,"extensions.autoUpdate":false,"workbench.tips.enabled":false,"chat.commandCenter.enabled":false,"git.enabled":false}' >"$ud/User/settings.json"
"$CS" --bind-addr "127.0.0.1:$port" --auth none --user-data-dir "$ud" --extensions-dir "$ex" \
  --disable-telemetry --disable-update-check --disable-workspace-trust >"$R/logs/cs-walkthrough.log" 2>&1 &
CS_PID=$!
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" || { cat "$R/logs/cs-walkthrough.log"; die "code-server did not start"; }

s=$SECONDS
node test/vscode/e2e/walkthrough.e2e.cjs "http://127.0.0.1:$port" "$ROOT" "$ws" "$SHOTS" >"$R/logs/e2e-walkthrough.log" 2>&1
rc=$?
grep -e '^\[' "$R/logs/e2e-walkthrough.log" | cut -c1-400
line=$(grep '^browser: ' "$R/logs/e2e-walkthrough.log")
echo "### walkthrough browser test took $((SECONDS - s))s"
stop_cs
rm -rf "$ws"
if [ -z "$line" ]; then echo "no summary (rc=$rc); see $R/logs/e2e-walkthrough.log"; summary 0 1; exit 1; fi
read -r p f < <(echo "$line" | sed -E 's/browser: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
summary "$p" "$f"
[ "$f" -eq 0 ]
