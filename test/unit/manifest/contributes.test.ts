/**
 * package.json's contributions against the code: every setting scoped, the walkthrough's commands
 * and media present, every robustFeatures.* context key in a when/enablement clause one that
 * src/extension/contextKeys.ts sets, Explorer items only on run folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
interface Menu {
  command: string;
  when?: string;
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  extensionKind: string[];
  contributes: {
    commands: { command: string; enablement?: string }[];
    configuration: { properties: Record<string, { scope?: string }> };
    menus: Record<string, Menu[]>;
    walkthroughs: {
      steps: { id: string; description: string; media: { markdown: string } }[];
    }[];
  };
};
const c = pkg.contributes;

test('every setting has a scope; dataPath and backend machine-overridable, runsFolder resource', () => {
  for (const [k, v] of Object.entries(c.configuration.properties))
    assert.ok(v.scope, `${k} has no scope`);
  const scope = (k: string) => c.configuration.properties[`robustFeatures.${k}`]?.scope;
  assert.equal(scope('dataPath'), 'machine-overridable');
  assert.equal(scope('backend'), 'machine-overridable');
  assert.equal(scope('runsFolder'), 'resource');
  assert.deepEqual(pkg.extensionKind, ['workspace']);
});

test('the walkthrough goes data → train → evaluate → D_R → gallery → results, with real commands', () => {
  const [w] = c.walkthroughs;
  assert.ok(w);
  assert.deepEqual(
    w.steps.map((s) => s.id),
    ['locateData', 'train', 'evaluate', 'buildDR', 'gallery', 'results'],
  );
  const commands = new Set(c.commands.map((x) => x.command));
  for (const s of w.steps) {
    assert.ok(fs.existsSync(path.join(root, s.media.markdown)), s.media.markdown);
    const linked = [...s.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1] as string);
    assert.ok(linked.length > 0, `step ${s.id} links no command`);
    for (const cmd of linked) assert.ok(commands.has(cmd), `step ${s.id}: unknown ${cmd}`);
  }
});

test('context keys in when/enablement are the ones contextKeys.ts sets', () => {
  const src = fs.readFileSync(path.join(root, 'src/extension/contextKeys.ts'), 'utf8');
  const setKeys = new Set(
    [...src.matchAll(/'([a-zA-Z]+)'/g)].map((m) => `robustFeatures.${m[1] as string}`),
  );
  const clauses = [
    ...c.commands.flatMap((x) => (x.enablement ? [x.enablement] : [])),
    ...Object.values(c.menus).flatMap((items) => items.flatMap((m) => (m.when ? [m.when] : []))),
  ];
  // `view == robustFeatures.runs` names a view, not a context key.
  const keysIn = (w: string) =>
    w.replace(/view == robustFeatures\.\w+/g, '').match(/robustFeatures\.[a-zA-Z]+/g) ?? [];
  const used = new Set(clauses.flatMap(keysIn));
  assert.ok(used.has('robustFeatures.jobRunning'));
  for (const k of used) assert.ok(setKeys.has(k), `${k} is used but never set`);
  const cancel = c.commands.find((x) => x.command === 'robustFeatures.cancelJob');
  assert.equal(cancel?.enablement, 'robustFeatures.jobRunning');
});

test('Explorer items appear on run folders only, and an experiment file has a Run button', () => {
  for (const m of c.menus['explorer/context'] ?? [])
    assert.match(m.when ?? '', /resourcePath in robustFeatures\.\w+Folders/, m.command);
  const run = c.menus['editor/title/run']?.[0];
  assert.equal(run?.command, 'robustFeatures.runExperiment');
  assert.match(run?.when ?? '', /rfl\\\.json/);
});
