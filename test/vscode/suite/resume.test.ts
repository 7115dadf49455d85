/**
 * Resuming from the editor (issue 24, item 3), with real workers on real Fashion-MNIST: Train
 * Model's worker is SIGKILLed between two epochs, the same command runs again, and the training
 * continues in the same folder from its snapshot (not from scratch) to the bytes of an
 * uninterrupted run; the Runs view lists it as interrupted in between, then as resumed. A folder interrupted with other settings
 * is refused and left as it was.
 *
 * The kill is seeded, not timed: RFL_TEST_KILL (src/engine/testKill.ts) in the environment of the
 * next forked worker makes it SIGKILL itself at a named point of the job.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainConfig } from '../../../src/engine/train/config';
import type { TestHooks } from '../../../src/extension/api';
import type { TrainCommandArgs } from '../../../src/extension/commands/train';
import type { JobOutcome } from '../../../src/extension/worker/job';
import { activateExtension, waitFor } from './helpers';

// Two epochs of seconds each: a snapshot after the first to resume from.
const TWO_EPOCHS: Partial<TrainConfig> = {
  model: 'mlp',
  epochs: 2,
  batchSize: 64,
  trainLimit: 1_000,
  testLimit: 200,
  seed: 11,
};

const train = (args: TrainCommandArgs) =>
  vscode.commands.executeCommand<JobOutcome | undefined>('robustFeatures.trainModel', args);

suite('resume after a killed worker', () => {
  let hooks: TestHooks;
  let ws: string;
  suiteSetup(async () => {
    ({ hooks } = await activateExtension());
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });
  teardown(() => {
    delete process.env.RFL_TEST_KILL;
  });

  /** Starts `args` on a freshly forked worker armed to SIGKILL itself at `kill`; returns its outcome. */
  async function killedAt(kill: string, args: TrainCommandArgs): Promise<JobOutcome> {
    for (const pid of hooks.workerPids()) process.kill(pid, 'SIGKILL');
    await waitFor('no live worker', () => hooks.workerPids().length === 0, 10_000);
    process.env.RFL_TEST_KILL = kill;
    const job = train(args);
    await waitFor('the armed worker', () => hooks.workerPids().length > 0);
    // Disarm at once: only the worker already forked carries the kill.
    delete process.env.RFL_TEST_KILL;
    const o = await job;
    assert.equal(o?.state, 'failed', JSON.stringify(o));
    assert.equal(o.reason, 'compute worker crashed (signal SIGKILL)');
    assert.equal(o.interrupted, true);
    assert.match((o.logTail ?? []).join('\n'), new RegExp(`test kill at ${kill}`));
    return o;
  }

  test('Train Model killed between epochs: the same command resumes it, to the same bytes, shown as resumed', async function () {
    this.timeout(240_000);
    const refDir = path.join(ws, 'runs', 'test', 'resume-reference');
    const ref = await train({ config: TWO_EPOCHS, outDir: refDir, name: 'Train reference' });
    assert.equal(ref?.state, 'succeeded', JSON.stringify(ref));

    // As from the palette: no folder given, so the command picks a new one under runs/models.
    const killed = await killedAt('epoch-end@1', { config: TWO_EPOCHS, name: 'Train resumable' });
    const dir = killed.outDir!;
    assert.equal(path.dirname(dir), path.join(ws, 'runs', 'models'));
    const snapshot = path.join(dir, 'epochs', '0001', 'weights.bin');
    const atKill = fs.statSync(snapshot);
    assert.ok(!fs.existsSync(path.join(dir, 'manifest.json')), 'killed before its checkpoint');
    const pending = (await hooks.runsTree()).find((i) => i.label === path.basename(dir));
    assert.deepEqual(pending, {
      group: 'Checkpoints',
      label: path.basename(dir),
      description: 'interrupted (compute worker crashed (signal SIGKILL)) · run it again to resume',
      contextValue: 'interrupted',
    });

    const again = await train({ config: TWO_EPOCHS, name: 'Train resumable' });
    assert.equal(again?.state, 'succeeded', JSON.stringify(again));
    assert.equal(again.outDir, dir, 'the same folder, not a new one');
    assert.equal(again.resumed, true);
    assert.notEqual(again.workerPid, killed.workerPid);
    // Resumed, not restarted: epoch 1's snapshot is the killed run's (a restart rewrites it).
    const now = fs.statSync(snapshot);
    assert.deepEqual([now.ino, now.mtimeMs], [atKill.ino, atKill.mtimeMs]);
    assert.ok(fs.existsSync(path.join(dir, 'epochs', '0002')));
    for (const f of ['weights.bin', 'model.json'])
      assert.ok(
        fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(refDir, f))),
        `${f} equals the uninterrupted run's`,
      );
    const record = JSON.parse(fs.readFileSync(path.join(dir, '.rfl-job.json'), 'utf8')) as {
      runs: { state: string; reason?: string }[];
    };
    assert.deepEqual(
      record.runs.map((r) => [r.state, r.reason]),
      [
        ['interrupted', 'compute worker crashed (signal SIGKILL)'],
        ['succeeded', undefined],
      ],
    );

    const items = await hooks.runsTree();
    const item = items.find((i) => i.label === path.basename(dir));
    assert.ok(item, JSON.stringify(items));
    assert.equal(item.group, 'Checkpoints');
    assert.equal(item.contextValue, 'checkpoint');
    assert.equal(items.filter((i) => i.label === path.basename(dir)).length, 1);
    assert.match(item.description, /^mlp std · acc \d+\.\d% · resumed$/);
    const refItem = items.find((i) => i.label === 'resume-reference');
    assert.match(refItem?.description ?? '', /^mlp std · acc \d+\.\d%$/);
  });

  test('a folder interrupted with other settings is refused and left as it was; the same settings resume it', async function () {
    this.timeout(180_000);
    const outDir = path.join(ws, 'runs', 'test', 'resume-given-folder');
    const config: Partial<TrainConfig> = { ...TWO_EPOCHS, epochs: 1, trainLimit: 500 };
    await killedAt('start@1', { config, outDir, name: 'Train given' });
    const record = fs.readFileSync(path.join(outDir, '.rfl-job.json'));
    const files = fs.readdirSync(outDir).sort();

    const refused = await train({ config: { ...config, seed: 12 }, outDir, name: 'Train other' });
    assert.equal(refused, undefined, 'no job was started');
    assert.deepEqual(hooks.jobs(), []);
    assert.deepEqual(fs.readdirSync(outDir).sort(), files);
    assert.ok(fs.readFileSync(path.join(outDir, '.rfl-job.json')).equals(record));

    const resumed = await train({ config, outDir, name: 'Train given' });
    assert.equal(resumed?.state, 'succeeded', JSON.stringify(resumed));
    assert.equal(resumed.resumed, true);
    assert.ok(fs.existsSync(path.join(outDir, 'manifest.json')));
  });
});
