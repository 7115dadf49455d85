/**
 * Run in a second code-server session with workspace trust ON (the folder is new, so it opens
 * in Restricted Mode): the extension activates (untrustedWorkspaces: limited) but starts no job.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { JobOutcome } from '../../../src/extension/worker/job';
import { activateExtension } from './helpers';

suite('restricted mode', () => {
  test('the workspace is untrusted and the extension is active', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const { ext } = await activateExtension();
    assert.ok(ext.isActive);
  });

  test('no job command starts a job', async () => {
    const { hooks } = await activateExtension();
    const args = {
      config: { model: 'mlp', epochs: 1, trainLimit: 100, limit: 10 },
      checkpoint: '/nonexistent',
      kind: 'det',
      norm: 'l2',
      eps: [0.5],
      profile: 'quick',
      outDir: '/tmp/rfl-restricted',
    };
    for (const cmd of [
      'robustFeatures.trainModel',
      'robustFeatures.adversariallyTrainModel',
      'robustFeatures.buildRobustDataset',
      'robustFeatures.buildNonRobustDataset',
      'robustFeatures.buildRelabeledDataset',
      'robustFeatures.evaluateRobustness',
      'robustFeatures.reproducePaper',
      'robustFeatures.showTheory',
    ]) {
      const outcome = await vscode.commands.executeCommand<JobOutcome | undefined>(cmd, args);
      assert.equal(outcome, undefined, `${cmd} must not run untrusted`);
    }
    const runs = await vscode.commands.executeCommand<unknown[]>(
      'robustFeatures.runExperiment',
      vscode.Uri.file('/tmp/none.rfl.json'),
    );
    assert.deepEqual(runs, []);
    assert.equal(hooks.servicesLoaded(), false, 'no queue, no worker');
    assert.deepEqual(hooks.workerPids(), []);
  });

  test('results are still shown: hovers, decorations and the Runs view work untrusted', async () => {
    const { hooks } = await activateExtension();
    const items = await hooks.runsTree();
    assert.ok(items.length === 0 || items.every((i) => typeof i.label === 'string'));
    assert.equal(hooks.decoration('/nonexistent'), undefined);
  });
});
