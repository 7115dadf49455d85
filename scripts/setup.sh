#!/usr/bin/env bash
# Set-up in one command on a fresh Debian machine: installs what it lacks (Debian's Fashion-MNIST,
# PyTorch for the bench comparison, the npm packages), builds, and runs the main job on the default
# data unless --no-run. Idempotent: a second run skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=1
for a in "$@"; do [ "$a" = "--no-run" ] && RUN=0; done

need_apt=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need_apt+=(dataset-fashion-mnist)
/usr/bin/python3 -c 'import torch' 2>/dev/null || need_apt+=(python3-torch)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -d node_modules/@tensorflow/tfjs-backend-wasm ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
node esbuild.mjs

if [ $RUN = 1 ]; then
  OUT=${RFL_OUT:-runs/quickstart}
  node dist/cli.js info
  echo "setup: main job: train the cnn on 10,000 Fashion-MNIST images for one epoch, then evaluate it (L2 PGD-20)"
  node dist/cli.js train --model cnn --data fashion-mnist --limit 10000 --epochs 1 --out "$OUT/cnn-standard" --resume
  node dist/cli.js eval --checkpoint "$OUT/cnn-standard" --norm l2 --eps 0.5,1,1.5,2 --steps 20 --limit 1000
fi
