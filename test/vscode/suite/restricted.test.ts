/**
 * Run in a second code-server session with workspace trust ON (the folder is new, so it opens
 * in Restricted Mode): the extension activates (untrustedWorkspaces: limited) but starts no job,
 * and still shows results. The workspace holds a checkpoint (test/vscode/restrictedWorkspace.ts).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobOutcome } from '../../../src/extension/worker/job';
import { CHECKPOINT, OUTSIDE_NAME } from '../restrictedLayout';
import { activateExtension } from './helpers';

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

async function hoverOn(doc: vscode.TextDocument, word: string): Promise<string> {
  const line = [...Array(doc.lineCount).keys()].find((i) => doc.lineAt(i).text.includes(word));
  assert.ok(line !== undefined, `${word} is in ${doc.uri.fsPath}`);
  const col = doc.lineAt(line).text.indexOf(word) + 2;
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    doc.uri,
    new vscode.Position(line, col),
  );
  return hoverText(hovers);
}

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

  test('results are still shown: the checkpoint is hovered and decorated', async () => {
    const { hooks } = await activateExtension();
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(ws, 'the session opened a folder');
    const ckpt = path.join(ws, ...CHECKPOINT.split('/'));
    assert.ok(fs.existsSync(path.join(ckpt, 'metrics.json')), `a checkpoint at ${ckpt}`);

    const d = hooks.decoration(ckpt);
    assert.ok(d?.badge && /^\d{1,2}$/.test(d.badge), JSON.stringify(d));
    assert.match(d.tooltip ?? '', /^checkpoint: standard accuracy \d+\.\d% \(no robust evaluation/);
    assert.equal(hooks.decoration(ws), undefined, 'no badge on ordinary folders');

    const doc = await vscode.workspace.openTextDocument(path.join(ws, 'notes.md'));
    assert.match(
      await hoverOn(doc, 'tiny-mlp'),
      /\*\*Checkpoint\*\* `tiny-mlp` — mlp on fashion-mnist[\s\S]*standard accuracy \| \*\*\d+\.\d%\*\* \(100 images/,
    );
    const items = await hooks.runsTree();
    assert.ok(
      items.some((i) => i.label.includes('tiny-mlp')),
      `the Runs view lists the checkpoint: ${JSON.stringify(items.map((i) => i.label))}`,
    );
  });

  test('a runs folder set by the untrusted workspace is not used', async () => {
    await activateExtension();
    const ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const outside = `${ws}-outside`;
    // The checkpoint is there and the workspace's settings name its folder: trusted, it hovers.
    assert.ok(fs.existsSync(path.join(outside, OUTSIDE_NAME, 'metrics.json')));
    const settings = fs.readFileSync(path.join(ws, '.vscode', 'settings.json'), 'utf8');
    assert.equal(
      (JSON.parse(settings) as Record<string, string>)['robustFeatures.runsFolder'],
      outside,
    );
    const doc = await vscode.workspace.openTextDocument(path.join(ws, 'notes.md'));
    assert.doesNotMatch(await hoverOn(doc, OUTSIDE_NAME), /Checkpoint/);
    assert.equal(
      vscode.workspace.getConfiguration('robustFeatures').get('runsFolder'),
      'runs',
      'Restricted Mode ignores the workspace value of robustFeatures.runsFolder',
    );
  });
});
