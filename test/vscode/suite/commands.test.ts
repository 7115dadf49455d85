/** Every command the manifest contributes is registered once the extension is active. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension } from './helpers';

suite('commands', () => {
  test('every contributed command is registered', async () => {
    const { ext } = await activateExtension();
    const pkg = ext.packageJSON as {
      contributes: { commands: { command: string; category?: string }[] };
    };
    const contributed = pkg.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 4);
    for (const c of [
      'robustFeatures.showBackend',
      'robustFeatures.trainModel',
      'robustFeatures.adversariallyTrainModel',
      'robustFeatures.cancelJob',
      'robustFeatures.buildRobustDataset',
      'robustFeatures.buildNonRobustDataset',
      'robustFeatures.buildRelabeledDataset',
      'robustFeatures.evaluateRobustness',
      'robustFeatures.reproducePaper',
      'robustFeatures.showTheory',
      'robustFeatures.runTransfer',
      'robustFeatures.computeGradientMaps',
      'robustFeatures.newExperimentFile',
      'robustFeatures.runExperiment',
      'robustFeatures.runExperimentStep',
    ]) {
      assert.ok(contributed.includes(c), `${c} not contributed`);
    }
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
    assert.ok(pkg.contributes.commands.every((c) => c.category === 'Robust Features'));
  });

  test('Cancel Job with nothing running says so and returns false', async () => {
    assert.equal(await vscode.commands.executeCommand('robustFeatures.cancelJob'), false);
  });
});
