/**
 * The workspace of the restricted-mode session (run-tests.sh, run-electron.mjs): a checkpoint
 * trained by the engine on 200 real Fashion-MNIST images, a note naming it, and a second
 * checkpoint outside the workspace that only `robustFeatures.runsFolder` (a setting Restricted
 * Mode ignores: package.json restrictedConfigurations) points to. restricted.test.ts checks the
 * first is hovered and decorated and the second is not.
 * Usage: tsx test/vscode/restrictedWorkspace.ts WORKSPACE_DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend/ladder';
import { DEFAULT_TRAIN } from '../../src/engine/formats/presets';
import { trainModel } from '../../src/engine/train/trainModel';

import { CHECKPOINT, OUTSIDE_NAME } from './restrictedLayout';

async function main(ws: string): Promise<void> {
  await initBackend('auto');
  const ckpt = path.join(ws, ...CHECKPOINT.split('/'));
  const config = { ...DEFAULT_TRAIN, model: 'mlp' as const, data: 'fashion-mnist', epochs: 1 };
  await trainModel({ ...config, trainLimit: 200, testLimit: 100 }, ckpt);
  const outside = `${ws}-outside`;
  fs.cpSync(ckpt, path.join(outside, OUTSIDE_NAME), { recursive: true });
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(ws, '.vscode', 'settings.json'),
    JSON.stringify({ 'robustFeatures.runsFolder': outside }, null, 2) + '\n',
  );
  fs.writeFileSync(
    path.join(ws, 'notes.md'),
    `# Notes\n\nThe tiny model is ${CHECKPOINT}.\n` +
      `The other model is ${OUTSIDE_NAME}, in the runs folder the settings name.\n`,
  );
}

const ws = process.argv[2];
if (!ws) throw new Error('usage: tsx test/vscode/restrictedWorkspace.ts WORKSPACE_DIR');
main(path.resolve(ws)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
