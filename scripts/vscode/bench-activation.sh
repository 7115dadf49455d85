#!/usr/bin/env bash
# npm run bench:activation: the extension's activation time in a real VS Code (code-server
# 4.100.3, as the vscode test tier), a bench row rather than a test assertion. Runs the
# 'activation' suite in RFL_BENCH_RUNS fresh sessions (default 3) and prints
# "activation: M ms (median of N: a, b, c ms)", M being what activate() measured inside the
# extension host. Never fails on a time; fails only if a session does.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export R=${R:-$ROOT/.vscode-ci}
N=${RFL_BENCH_RUNS:-3}
sessions=()
for _ in $(seq 1 "$N"); do sessions+=(activation); done
bash scripts/vscode/run-tests.sh "${sessions[@]}" >"$R/logs/bench-activation.log" 2>&1 || {
  tail -30 "$R/logs/bench-activation.log"
  exit 1
}
node -e '
const fs = require("fs"), path = require("path");
const dir = process.argv[1];
const ms = fs.readdirSync(dir).filter((f) => /^results-activation-\d+\.json$/.test(f))
  .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).timings["activate() measured inside the extension"])
  .filter((v) => typeof v === "number").sort((a, b) => a - b);
if (!ms.length) { console.error("no activation timings in " + dir); process.exit(1); }
const median = ms[Math.floor(ms.length / 2)];
console.log(`activation: ${median} ms (median of ${ms.length} sessions: ${ms.join(", ")} ms)`);
' "$R"
