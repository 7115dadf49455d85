/**
 * The workspace side: a tiny checkpoint trained here (mlp, 300 Fashion-MNIST images), a real
 * D_det build and a robustness evaluation on it by command, then what a user sees of them —
 * hover text, the Explorer decoration, the Runs view — and experiment files: schema
 * diagnostics on the right line, CodeLens, a step run through its CodeLens command, the scaffold.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestHooks } from '../../../src/extension/api';
import type { JobOutcome } from '../../../src/extension/worker/job';
import { activateExtension, isProgressText, recordTiming, waitFor } from './helpers';

const exec = <T = JobOutcome | undefined>(cmd: string, ...args: unknown[]) =>
  vscode.commands.executeCommand<T>(cmd, ...args);

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/**
 * As a new user would: run the command with no argument and press Enter on every prompt (the
 * defaults), as fast as the prompts appear; returns the time from the command to the first
 * progress in the status bar, then cancels the job.
 */
async function asNewUser(hooks: TestHooks, command: string, what: string): Promise<JobOutcome> {
  const from = hooks.statusHistory().length;
  const t0 = performance.now();
  const job = exec(command);
  for (;;) {
    if (
      hooks
        .statusHistory()
        .slice(from)
        .some((h) => isProgressText(h.text))
    )
      break;
    if (performance.now() - t0 > 60_000) throw new Error(`${command}: no progress within 60 s`);
    await exec('workbench.action.acceptSelectedQuickOpenItem');
    await new Promise((r) => setTimeout(r, 100));
  }
  recordTiming(`${what} (defaults) → first status-bar progress`, performance.now() - t0);
  assert.equal(await exec('robustFeatures.cancelJob'), true);
  const o = await job;
  assert.ok(o, `${command} returned nothing`);
  return o;
}

suite('workspace: datasets, evaluation, hovers, decorations, runs view, experiment files', () => {
  let hooks: TestHooks;
  let ws: string;
  let base: string;
  let ckpt: string;

  suiteSetup(async function () {
    this.timeout(90_000);
    ({ hooks } = await activateExtension());
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    base = path.join(ws, 'runs', 'ws-test');
    ckpt = path.join(base, 'tiny-mlp');
    const o = await exec('robustFeatures.trainModel', {
      config: { model: 'mlp', epochs: 1, batchSize: 64, trainLimit: 300, testLimit: 200, seed: 0 },
      outDir: ckpt,
      name: 'Train tiny mlp',
    });
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
  });

  test('Build Relabeled Dataset (D_det) builds a real dataset from the checkpoint', async function () {
    this.timeout(60_000);
    const outDir = path.join(base, 'D_det');
    const from = hooks.statusHistory().length;
    const t0 = performance.now();
    const job = exec('robustFeatures.buildRelabeledDataset', {
      kind: 'det',
      checkpoint: ckpt,
      outDir,
      config: { limit: 64, steps: 5, chunkSize: 32 },
    });
    await waitFor(
      'build progress in the status bar',
      () =>
        hooks
          .statusHistory()
          .slice(from)
          .some((h) => isProgressText(h.text)),
      30_000,
      10,
    );
    recordTiming('Build Relabeled Dataset → first status-bar progress', performance.now() - t0);
    const o = await job;
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
    assert.equal(o.result?.kind, 'construct');
    const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as {
      kind: string;
      construction: string;
      shape: number[];
    };
    assert.equal(manifest.kind, 'constructed-dataset');
    assert.equal(manifest.construction, 'det');
    assert.equal(manifest.shape[0], 64);
    for (const f of ['images.npy', 'labels.npy', 'preview.png'])
      assert.ok(fs.existsSync(path.join(outDir, f)), `${f} missing`);
  });

  test('Evaluate Robustness merges robust accuracy into metrics.json', async function () {
    this.timeout(60_000);
    const o = await exec('robustFeatures.evaluateRobustness', {
      checkpoint: ckpt,
      norm: 'l2',
      eps: [0.5],
      steps: 3,
      limit: 100,
    });
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
    const m = JSON.parse(fs.readFileSync(path.join(ckpt, 'metrics.json'), 'utf8')) as {
      robustAcc: Record<string, Record<string, number>>;
      attack: Record<string, { steps: number }>;
      arch: string;
    };
    assert.equal(typeof m.robustAcc.l2?.['0.5'], 'number');
    assert.equal(m.attack.l2?.steps, 3);
    assert.equal(m.arch, 'mlp', 'the training fields are kept');
  });

  test('hovering a checkpoint path in a text file shows its metrics', async () => {
    const notes = path.join(base, 'notes.md');
    fs.writeFileSync(
      notes,
      '# Notes\n\nThe tiny model is in runs/ws-test/tiny-mlp, trained today.\n',
    );
    const doc = await vscode.workspace.openTextDocument(notes);
    const col = doc.lineAt(2).text.indexOf('tiny-mlp') + 2;
    // Relative to the workspace folder (the note itself lives elsewhere).
    const hovers = await exec<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(2, col),
    );
    const text = hoverText(hovers);
    assert.match(text, /\*\*Checkpoint\*\* `tiny-mlp` — mlp on fashion-mnist/);
    assert.match(text, /standard accuracy \| \*\*\d+\.\d%\*\*/);
    assert.match(text, /robust accuracy L2 ε = 0\.5 \| \*\*\d+\.\d%\*\* \(PGD-3, 100 images\)/);
    assert.match(text, /training \| standard/);
    assert.match(text, /date \| 20\d\d-/);
    // No hover on words that name no checkpoint.
    const none = await exec<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(0, 3),
    );
    assert.doesNotMatch(hoverText(none), /Checkpoint/);
  });

  test('in an experiment file, a step name used as a checkpoint hovers as that checkpoint', async () => {
    const file = path.join(ws, 'hover.rfl.json');
    // Its output folder is runs/ws-test: "tiny-mlp" there is the checkpoint trained above.
    fs.writeFileSync(
      file,
      '{\n  "name": "ws-test",\n  "steps": [{ "type": "evaluate", "checkpoint": "tiny-mlp" }]\n}\n',
    );
    const doc = await vscode.workspace.openTextDocument(file);
    const col = doc.lineAt(2).text.indexOf('tiny-mlp') + 3;
    const hovers = await exec<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(2, col),
    );
    assert.match(hoverText(hovers), /\*\*Checkpoint\*\* `tiny-mlp`/);
    fs.rmSync(file);
  });

  test('a checkpoint folder carries a decoration that follows metrics.json', () => {
    const d = hooks.decoration(ckpt);
    assert.ok(d?.badge && /^\d{1,2}$/.test(d.badge), JSON.stringify(d));
    assert.match(d.tooltip ?? '', /robust accuracy \d+\.\d% \(l2, ε = 0\.5\)/);
    assert.equal(hooks.decoration(base), undefined, 'no badge on ordinary folders');
    const file = path.join(ckpt, 'metrics.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      robustAcc: { l2: Record<string, number> };
    };
    m.robustAcc.l2['2'] = 0.42;
    fs.writeFileSync(file, JSON.stringify(m));
    assert.equal(hooks.decoration(ckpt)?.badge, '42');
  });

  test('the Runs view lists checkpoints, datasets and experiments with key numbers', async function () {
    this.timeout(20_000);
    fs.writeFileSync(
      path.join(base, 'listed.rfl.json'),
      '{ "name": "listed", "steps": [{ "type": "train", "out": "a" }] }\n',
    );
    // findFiles sees a new file once the file watcher reports it: poll briefly.
    let items = await hooks.runsTree();
    for (let k = 0; k < 50 && !items.some((i) => i.label === 'listed'); k++) {
      await new Promise((r) => setTimeout(r, 200));
      items = await hooks.runsTree();
    }
    const c = items.find((i) => i.label === 'tiny-mlp');
    assert.ok(c, JSON.stringify(items));
    assert.equal(c.group, 'Checkpoints');
    assert.equal(c.contextValue, 'checkpoint');
    assert.match(c.description, /^mlp std · acc \d+\.\d% · l2 ε=2 42\.0%$/);
    const d = items.find((i) => i.label === 'D_det');
    assert.equal(d?.group, 'Constructed datasets');
    assert.match(d.description, /^D_det · 64 images · attack success \d+\.\d%$/);
    assert.ok(
      items.some((i) => i.group === 'Experiments' && i.label === 'listed'),
      JSON.stringify(items),
    );
  });

  test('a broken experiment file gets schema diagnostics on the right lines', async function () {
    this.timeout(40_000);
    const file = path.join(base, 'broken.rfl.json');
    fs.writeFileSync(
      file,
      [
        '// a comment: experiment files are JSONC', // line 1
        '{', // 2
        '  "name": "broken",', // 3
        '  "model": "transformer",', // 4
        '  "steps": [', // 5
        '    { "type": "train", "out": "a" },', // 6
        '    { "type": "construct", "kind": "dett", "checkpoint": "a", "out": "b" },', // 7
        '    { "type": "evaluate" },', // 8
        '  ]', // 9
        '}', // 10
      ].join('\n'),
    );
    const doc = await vscode.workspace.openTextDocument(file);
    assert.equal(doc.languageId, 'jsonc');
    const diags = await waitFor(
      'our diagnostics',
      () => {
        const d = vscode.languages
          .getDiagnostics(doc.uri)
          .filter((x) => x.source === 'Robust Features');
        return d.length >= 3 ? d : undefined;
      },
      10_000,
    );
    const at = (re: RegExp) => diags.find((d) => re.test(d.message));
    assert.equal(at(/^model: must be one of "mlp"/)?.range.start.line, 3, JSON.stringify(diags));
    assert.equal(at(/^steps\.1\.kind: must be one of/)?.range.start.line, 6);
    assert.equal(at(/^steps\.2: missing required property 'checkpoint'/)?.range.start.line, 7);
    assert.equal(diags.length, 3, diags.map((d) => d.message).join('; '));
    const lenses = await exec<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    assert.equal(lenses.length, 0, 'no CodeLens on an invalid file');
    // The editor's JSON language service validates with the same schema (contributes.jsonValidation);
    // it validates what is shown in an editor.
    await vscode.window.showTextDocument(doc);
    const json = await waitFor(
      "the JSON language service's schema diagnostics",
      () => {
        const d = vscode.languages
          .getDiagnostics(doc.uri)
          .filter((x) => x.source !== 'Robust Features' && /mlp/.test(x.message));
        return d.length ? d : undefined;
      },
      25_000,
      200,
    ).catch(() => []);
    assert.equal(
      json[0]?.range.start.line,
      3,
      JSON.stringify(vscode.languages.getDiagnostics(doc.uri)),
    );
  });

  test('New Experiment File scaffolds a valid file with a CodeLens per step', async function () {
    this.timeout(20_000);
    const file = path.join(base, 'scaffold.rfl.json');
    const uri = await exec<vscode.Uri>('robustFeatures.newExperimentFile', { file, open: false });
    assert.equal(uri?.fsPath, file);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.match(doc.getText(), /^\/\/ Robust Features Lab experiment/);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Robust Features'),
      [],
    );
    const lenses = await exec<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 20);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.equal(titles.length, 7, titles.join(' | '));
    assert.match(titles[0]!, /Run all 6 steps/);
    assert.ok(
      titles.some((t) => /Build D_robust → D_R/.test(t)),
      titles.join(' | '),
    );
    assert.ok(titles.some((t) => /Evaluate standard/.test(t)));
    assert.ok(titles.some((t) => /Run: adversarially train robust/.test(t)));
    assert.equal(lenses[1]?.command?.command, 'robustFeatures.runExperimentStep');
    // Each lens sits on its step's line.
    const stepLine = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('"out": "robust"'));
    assert.ok(lenses.some((l) => l.range.start.line === stepLine));
  });

  test('a step runs through its CodeLens command (evaluate an existing checkpoint)', async function () {
    this.timeout(60_000);
    const file = path.join(base, 'eval.rfl.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'eval-only',
        budgets: { testLimit: 50, attackSteps: 2 },
        steps: [{ type: 'evaluate', checkpoint: 'tiny-mlp', norm: 'linf', eps: [0.05] }],
      }),
    );
    const uri = vscode.Uri.file(file);
    await vscode.workspace.openTextDocument(uri); // the CodeLens command needs a model
    const lenses = await exec<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
    const lens = lenses.find((l) => /Evaluate tiny-mlp/.test(l.command?.title ?? ''));
    assert.ok(lens?.command, JSON.stringify(lenses.map((l) => l.command?.title)));
    // The lens names the command and its step; run it as a click would (the arguments come back
    // from executeCodeLensProvider serialised, so the Uri is rebuilt here).
    assert.equal(lens.command.command, 'robustFeatures.runExperimentStep');
    const [, index] = (lens.command.arguments ?? []) as [unknown, number];
    assert.equal(index, 0);
    const o = await exec(lens.command.command, uri, index);
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
    const m = JSON.parse(fs.readFileSync(path.join(ckpt, 'metrics.json'), 'utf8')) as {
      robustAcc: Record<string, Record<string, number>>;
    };
    assert.equal(typeof m.robustAcc.linf?.['0.05'], 'number');
  });

  test('Show Gaussian Theory writes theory.json and the SVGs', async function () {
    this.timeout(60_000);
    const outDir = path.join(base, 'theory');
    const o = await exec('robustFeatures.showTheory', { outDir, open: false });
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
    for (const f of ['theory.json', 'ellipses.svg', 'angles.svg', 'manifest.json'])
      assert.ok(fs.existsSync(path.join(outDir, f)), `${f} missing`);
  });

  test('Run Transferability Experiment trains each architecture on D_rand from the checkpoint', async function () {
    this.timeout(120_000);
    const outDir = path.join(base, 'transfer');
    const o = await exec('robustFeatures.runTransfer', {
      source: ckpt,
      outDir,
      archs: ['mlp', 'cnn'],
      trainLimit: 64,
      testLimit: 50,
      epochs: 1,
      relabel: { eps: 2, steps: 3, stepSize: 0.1 },
      poolSize: 1,
      open: false,
    });
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
    assert.equal(o.result?.kind, 'transfer');
    const t = JSON.parse(fs.readFileSync(path.join(outDir, 'transfer.json'), 'utf8')) as {
      rows: { arch: string; testAcc: number; transferSuccess: number }[];
    };
    assert.deepEqual(
      t.rows.map((r) => r.arch),
      ['mlp', 'cnn'],
    );
    for (const r of t.rows)
      assert.ok(
        r.testAcc >= 0 && r.testAcc <= 1 && r.transferSuccess >= 0 && r.transferSuccess <= 1,
      );
    for (const f of ['transfer.csv', 'transfer.svg', 'D_rand/images.npy'])
      assert.ok(fs.existsSync(path.join(outDir, f)), `${f} missing`);
  });

  test("Compute Gradient Maps writes both models' maps, class drawings and edge alignment", async function () {
    this.timeout(60_000);
    const outDir = path.join(base, 'gradients');
    // One checkpoint as both models: the plumbing is under test here (the science: test/unit/interpret).
    const o = await exec('robustFeatures.computeGradientMaps', {
      standard: ckpt,
      robust: ckpt,
      n: 2,
      steps: 3,
      outDir,
      open: false,
    });
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
    assert.equal(o.result?.kind, 'gradients');
    const m = JSON.parse(fs.readFileSync(path.join(outDir, 'metrics.json'), 'utf8')) as Record<
      string,
      { edgeAlignment: number }
    >;
    assert.equal(
      m.standard?.edgeAlignment,
      m.robust?.edgeAlignment,
      'the same model measures the same',
    );
    assert.ok(Number.isFinite(m.standard?.edgeAlignment));
    for (const f of [
      'gradients-standard.png',
      'gradients-robust.png',
      'targeted-standard.png',
      'targeted-robust.png',
    ])
      assert.ok(fs.existsSync(path.join(outDir, f)), `${f} missing`);
  });

  test('Runs view: delete (confirmation skipped) removes the folder and its item', async () => {
    const theory = path.join(base, 'theory');
    assert.ok(
      (await hooks.runsTree()).some((i) => i.group === 'Theory runs' && i.label === 'theory'),
    );
    assert.equal(
      await exec<boolean>('robustFeatures.deleteRun', vscode.Uri.file(theory), { confirm: false }),
      true,
    );
    assert.ok(!fs.existsSync(theory));
    assert.ok(
      !(await hooks.runsTree()).some((i) => i.group === 'Theory runs' && i.label === 'theory'),
    );
  });

  test('as a new user: each job command with its defaults reaches status-bar progress', async function () {
    this.timeout(150_000);
    for (const [command, what] of [
      ['robustFeatures.trainModel', 'Train Model'],
      ['robustFeatures.buildRelabeledDataset', 'Build Relabeled Dataset'],
      ['robustFeatures.buildRobustDataset', 'Build Robustified Dataset'],
      ['robustFeatures.evaluateRobustness', 'Evaluate Robustness'],
      ['robustFeatures.reproducePaper', 'Reproduce Paper'],
    ] as const) {
      const o = await asNewUser(hooks, command, what);
      assert.equal(o.state, 'cancelled', `${command}: ${JSON.stringify(o)}`);
    }
  });
});
