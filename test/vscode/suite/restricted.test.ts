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

  test('Train Model and Adversarially Train Model start no job', async () => {
    const { hooks } = await activateExtension();
    for (const cmd of ['robustFeatures.trainModel', 'robustFeatures.adversariallyTrainModel']) {
      const outcome = await vscode.commands.executeCommand<JobOutcome | undefined>(cmd, {
        config: { model: 'mlp', epochs: 1, trainLimit: 100 },
      });
      assert.equal(outcome, undefined, `${cmd} must not run untrusted`);
    }
    assert.equal(hooks.servicesLoaded(), false, 'no queue, no worker');
    assert.deepEqual(hooks.workerPids(), []);
  });
});
