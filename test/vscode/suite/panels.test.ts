/**
 * The panels in the real extension host: commands open webview panels of the right view type on a
 * run made by the engine's own `reproduce` on Fashion-MNIST; the host-side data (results, gallery rows,
 * diff norms) matches the files; messages from webviews are validated. The browser tests
 * (scripts/vscode/e2e-panels.sh) look at what the panels show.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readDatasetFolder } from '../../../src/engine/formats/constructed';
import { encodePng } from '../../../src/engine/formats/png';
import { parseFromWebview, parsePanelState, VIEW_TYPES } from '../../../src/shared/webviewProtocol';
import { DatasetCache } from '../../../src/extension/panels/datasets';
import { computeDiff } from '../../../src/extension/panels/diffData';
import { GalleryModel } from '../../../src/extension/panels/galleryData';
import { readResultsFolder } from '../../../src/extension/panels/resultsData';
import { MemoryRows, sourceRows } from '../../../src/extension/panels/rowSource';
import { loadDataset } from '../../../src/engine/formats/load';
import { defaultTheoryConfig } from '../../../src/engine/theory/config';
import { runTheoryExperiment } from '../../../src/engine/theory/run';
import { readTheoryFolder } from '../../../src/extension/panels/theoryData';
import {
  checkMessagePaths,
  PathRefusedError,
  resolveInside,
} from '../../../src/extension/panels/safePath';
import { activateExtension, waitFor } from './helpers';

/** 8×8 images of the row-source test below (its own, in memory). */
const SIZE = 8 * 8;
/** Fashion-MNIST's 28×28 grey images, the fixture's. */
const IMAGE = 28 * 28;

const readJson = <T>(...parts: string[]) =>
  JSON.parse(fs.readFileSync(path.join(...parts), 'utf8')) as T;

/**
 * A copy of the panels tier's fixture run, made by the engine's own `reproduce` on Fashion-MNIST
 * (test/vscode/e2e/fixture.ts; e2e-panels.sh passes its folder in RFL_PANELS_FIXTURE): a copy,
 * so that what these tests write (theory runs, PNGs) stays out of the browser tests' workspace.
 * The epoch snapshots are left out: the panels read the final checkpoints.
 */
function fixture(): string {
  const made = process.env.RFL_PANELS_FIXTURE;
  if (!made || !fs.existsSync(path.join(made, 'small', 'run', 'results.json')))
    throw new Error(
      `RFL_PANELS_FIXTURE (${made ?? 'unset'}) holds no reproduce run: make one with ` +
        '`npx tsx test/vscode/e2e/fixture.ts DIR 0` (scripts/vscode/e2e-panels.sh does)',
    );
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-panels-'));
  const run = path.join(root, 'run');
  fs.cpSync(path.join(made, 'small', 'run'), run, {
    recursive: true,
    filter: (f) => path.basename(f) !== 'epochs',
  });
  return run;
}

/** The source selection of a constructed set, as its manifest records it. */
function sourceSpec(dir: string): { data: string; limit: number; seed: number } {
  return readJson<{ config: { data: string; limit: number; seed: number } }>(dir, 'manifest.json')
    .config;
}

const webviewTabs = (viewType: string) =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter(
      (t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(viewType),
    );

suite('panels', () => {
  let run: string;
  suiteSetup(async () => {
    await activateExtension();
    run = fixture();
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(path.dirname(run), { recursive: true, force: true });
  });

  test('messages from webviews are validated', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseFromWebview({ type: 'requestThumbs', rows: [0, 5] }), {
      type: 'requestThumbs',
      rows: [0, 5],
    });
    for (const bad of [
      null,
      'ready',
      {},
      { type: 'nope' },
      { type: 'requestThumbs', rows: [-1] },
      { type: 'requestThumbs', rows: Array(201).fill(0) },
      { type: 'openDiff', a: { folder: '/x', index: 1.5 }, b: { folder: '/x', index: 0 } },
      { type: 'export', name: '../x', format: 'csv', data: '' },
      { type: 'export', name: 'x', format: 'png', data: 'not a data url' },
      { type: 'export', name: 'x', format: 'exe', data: '' },
    ])
      assert.ok('invalid' in parseFromWebview(bad), JSON.stringify(bad));
    assert.deepEqual(parsePanelState({ folder: '/r', scrollTop: 'x', a: { folder: 1 } }), {
      folder: '/r',
    });
  });

  test('a path from a webview outside the run folders (../, symlink) is refused with a clear message', () => {
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(ws, 'the test workspace is open');
    const inside = fs.mkdtempSync(path.join(ws, 'safe-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    try {
      fs.mkdirSync(path.join(inside, 'D_robust'));
      fs.symlinkSync(outside, path.join(inside, 'link-out'));
      const ok = { folder: path.join(inside, 'D_robust'), index: 0 };
      const craft = (folder: string) =>
        parseFromWebview({ type: 'openDiff', a: ok, b: { folder, index: 0 } });
      const accepted = craft(ok.folder);
      assert.ok(!('invalid' in accepted));
      checkMessagePaths(accepted); // inside: no error
      for (const [bad, why] of [
        [
          path.join(inside, 'D_robust', '..', '..', '..'),
          /refused path .*outside the workspace's run folders/,
        ],
        [path.join(inside, 'D_robust', '..', 'nothing-here'), /does not exist/],
        [
          path.join(inside, 'link-out'),
          /refused path .*through a symlink.*outside the workspace's run folders/,
        ],
        ['relative/../path', /not absolute/],
      ] as const) {
        const m = craft(bad);
        assert.ok(!('invalid' in m), 'well-formed: only the path is wrong');
        assert.throws(
          () => checkMessagePaths(m),
          (e: Error) => e instanceof PathRefusedError && why.test(e.message),
          bad,
        );
      }
      assert.equal(
        resolveInside(path.join(inside, 'D_robust', '..', 'D_robust'), [ws]),
        fs.realpathSync(path.join(inside, 'D_robust')),
      );
    } finally {
      fs.rmSync(inside, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('results, gallery rows and diff norms read from the run folder', async () => {
    const r = readResultsFolder(run);
    const written = readJson<NonNullable<typeof r.results>>(run, 'results.json');
    assert.deepEqual(r.results?.figure2, written.figure2);
    assert.deepEqual(r.results?.table1, written.table1);
    assert.deepEqual(r.results?.threatModel, written.threatModel);
    assert.equal(r.paper.table1.D_rand?.testAcc, 63.3);
    // Every checkpoint of the run, its accuracy by ε from eval.json, its epochs from the manifest.
    const names = fs
      .readdirSync(run)
      .filter((d) => fs.existsSync(path.join(run, d, 'model.json')))
      .sort();
    assert.equal(names.length, 6, `the six trained models of a reproduction: ${names.join(' ')}`);
    assert.deepEqual(
      r.checkpoints.map((c) => [c.name, c.curve, c.history.length]),
      names.map((name) => {
        const ev = readJson<{ result: { standardAcc: number; robustAcc: Record<string, number> } }>(
          run,
          name,
          'eval.json',
        ).result;
        const epochs = readJson<{ training: { history: unknown[] } }>(run, name, 'manifest.json')
          .training.history.length;
        const curve = [
          { eps: 0, acc: ev.standardAcc },
          ...Object.entries(ev.robustAcc).map(([eps, acc]) => ({ eps: +eps, acc })),
        ].sort((a, b) => a.eps - b.eps);
        return [name, curve, epochs];
      }),
    );
    const cache = new DatasetCache();
    const g = await GalleryModel.load(run, cache);
    const det = await readDatasetFolder(path.join(run, 'D_det'));
    const n = det.shape[0];
    assert.equal(g.data.rows, n);
    assert.deepEqual(
      g.data.columns.map((c) => c.title),
      ['original', 'D_R', 'D_NR', 'D_rand', 'D_det'],
    );
    assert.deepEqual(g.data.columns[4]!.labels, Array.from(det.labels));
    const thumbs = g.thumbs([0, n - 1, n + 75]);
    assert.equal(thumbs.length, 2 * g.data.columns.length, 'two rows, the third out of range');
    assert.ok(thumbs.every((t) => t.src.startsWith('data:image/png;base64,')));
    const d = await computeDiff(
      cache,
      { folder: path.join(run, 'D_robust'), index: 2, source: true },
      { folder: path.join(run, 'D_robust'), index: 2 },
    );
    let s = 0;
    let m = 0;
    // Rows read from disk by offset equal the engine's whole-file reader (readDatasetFolder) and
    // the source selection equals loadDataset's.
    const src = await cache.resolve({ folder: path.join(run, 'D_robust'), index: 2, source: true });
    const rob = await cache.folder(path.join(run, 'D_robust'));
    const spec = sourceSpec(path.join(run, 'D_robust'));
    const [er, es] = [
      await readDatasetFolder(path.join(run, 'D_robust')),
      await loadDataset(spec.data, { split: 'train', limit: spec.limit, seed: spec.seed }),
    ];
    for (const i of [0, 2, n - 1]) {
      assert.deepEqual(
        Array.from(rob.row(i)),
        Array.from(er.images.subarray(i * IMAGE, (i + 1) * IMAGE)),
        `D_R row ${i}`,
      );
      assert.deepEqual(
        Array.from(src.row(i)),
        Array.from(es.images.subarray(i * IMAGE, (i + 1) * IMAGE)),
        `source row ${i}`,
      );
    }
    assert.deepEqual(Array.from(rob.labels), Array.from(er.labels));
    for (let k = 0; k < IMAGE; k++) {
      const v = er.images[2 * IMAGE + k]! - es.images[2 * IMAGE + k]!;
      s += v * v;
      m = Math.max(m, Math.abs(v));
    }
    assert.ok(
      Math.abs(d.l2 - Math.sqrt(s)) < 1e-9 && Math.abs(d.linf - m) < 1e-9,
      `${d.l2} ${d.linf}`,
    );
    assert.ok(d.l2 > 0);
  });

  test('a source selection read row by row equals loadDataset; decoded uint8 sources stay uint8', async () => {
    const { data } = sourceSpec(path.join(run, 'D_robust'));
    const rows = await sourceRows(data, 5, 3);
    const ds = await loadDataset(data, { split: 'train', limit: 5, seed: 3 });
    assert.deepEqual(Array.from(rows.labels), Array.from(ds.labels));
    for (let i = 0; i < 5; i++)
      assert.deepEqual(
        Array.from(rows.row(i)),
        Array.from(ds.images.subarray(i * IMAGE, (i + 1) * IMAGE)),
        `row ${i}`,
      );
    const bytes = Float32Array.from({ length: 3 * SIZE }, (_, k) => (k % 256) / 255);
    const mem = new MemoryRows({
      images: bytes,
      labels: Int32Array.of(0, 1, 2),
      shape: [3, 8, 8, 1],
      numClasses: 3,
      source: 'u8',
    });
    assert.deepEqual(Array.from(mem.row(1)), Array.from(bytes.subarray(SIZE, 2 * SIZE)));
    assert.ok(
      (mem as unknown as { pixels: unknown }).pixels instanceof Uint8Array,
      'k/255 pixels kept as bytes',
    );
  });

  test('commands open one panel of each kind', async () => {
    await vscode.commands.executeCommand('robustFeatures.showResults', vscode.Uri.file(run));
    await waitFor('results panel', () => webviewTabs(VIEW_TYPES.results).length === 1);
    await vscode.commands.executeCommand('robustFeatures.showResults', run);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(webviewTabs(VIEW_TYPES.results).length, 1, 'opening again reveals the same panel');
    await vscode.commands.executeCommand('robustFeatures.openGallery', vscode.Uri.file(run));
    await waitFor('gallery panel', () => webviewTabs(VIEW_TYPES.gallery).length === 1);
    const a = { folder: path.join(run, 'D_det'), index: 1, source: true };
    const b = { folder: path.join(run, 'D_det'), index: 1 };
    await vscode.commands.executeCommand('robustFeatures.compareImages', a, b);
    await waitFor('diff panel', () => webviewTabs(VIEW_TYPES.diff).length === 1);
    await vscode.commands.executeCommand('robustFeatures.compareImages', b, a);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(webviewTabs(VIEW_TYPES.diff).length, 1, 'the diff panel is reused');
  });

  test("a theory run (engine, 10-D config) opens in the Theory panel with theory.json's numbers", async () => {
    const dir = path.join(path.dirname(run), 'theory');
    fs.mkdirSync(dir, { recursive: true });
    const cfg = {
      ...defaultTheoryConfig(),
      dim: 10,
      muStar: Array.from({ length: 10 }, (_, i) => 1 / (i + 1)),
      sigmaStar: { eigenvalues: Array.from({ length: 10 }, (_, i) => 0.1 + i * 0.2), seed: 1 },
      eps: [0, 0.5, 2],
      samples: 0,
    };
    const t = await runTheoryExperiment(cfg, 'panels test');
    fs.writeFileSync(path.join(dir, 'theory.json'), JSON.stringify(t));
    const d = readTheoryFolder(dir);
    assert.equal(d.dim, 10);
    assert.deepEqual(
      d.agreement.map((a) => a.eps),
      [0, 0.5, 2],
    );
    t.robust.forEach((r, i) => {
      assert.equal(d.angles[i]!.angleDeg, r.gradientAngleDeg);
      assert.equal(
        d.agreement[i]!.relError,
        'relErrorFrobenius' in r.numerical ? r.numerical.relErrorFrobenius : null,
      );
    });
    assert.ok(
      d.maxRelError !== null && d.maxRelError <= 1e-3,
      `closed form vs solver ${d.maxRelError}`,
    );
    assert.equal(d.ellipses.length, 3);
    assert.ok(d.ellipses.every((e) => e.points.length > 10));
    await vscode.commands.executeCommand('robustFeatures.openTheoryPanel', vscode.Uri.file(dir));
    await waitFor('theory panel', () => webviewTabs(VIEW_TYPES.theory).length === 1);
  });

  test('two PNG files chosen in the Explorer are compared', async () => {
    const dir = path.dirname(run);
    const a = Uint8Array.from({ length: 16 }, (_, i) => i * 10);
    const b = Uint8Array.from(a, (v, i) => (i === 5 ? v + 51 : v));
    fs.writeFileSync(path.join(dir, 'a.png'), encodePng(a, 4, 4, 1));
    fs.writeFileSync(path.join(dir, 'b.png'), encodePng(b, 4, 4, 1));
    const ua = vscode.Uri.file(path.join(dir, 'a.png'));
    const ub = vscode.Uri.file(path.join(dir, 'b.png'));
    const d = await computeDiff(
      new DatasetCache(),
      { folder: ua.fsPath, index: 0, file: true },
      { folder: ub.fsPath, index: 0, file: true },
    );
    assert.ok(Math.abs(d.l2 - 0.2) < 1e-6 && Math.abs(d.linf - 0.2) < 1e-6, `${d.l2} ${d.linf}`);
    await vscode.commands.executeCommand('robustFeatures.compareImages', ua, [ua, ub]);
    await waitFor('diff panel', () => webviewTabs(VIEW_TYPES.diff).length === 1);
  });
});
