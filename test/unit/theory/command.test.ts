import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTheory } from '../../../src/cli/commands/theory';
import { runTheoryExperiment } from '../../../src/engine/theory/run';
import { defaultTheoryConfig } from '../../../src/engine/theory/config';

interface Json {
  conventions: Record<string, string>;
  robust: {
    eps: number;
    lambda: number | string;
    numerical: { relErrorFrobenius: number; iterations: number; tol: number; converged: boolean };
  }[];
  samples: { robust: unknown[] };
  summary: { maxRelErrorClosedFormVsNumerical: number };
}

test('theory --config FILE --out DIR writes theory.json, ellipses.svg and angles.svg', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-theory-'));
  const log = console.log,
    err = console.error;
  try {
    const cfg = path.join(dir, 'cfg.json');
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        dim: 3,
        muStar: [1, 0.5, 0.2],
        sigmaStar: { eigenvalues: [2, 0.5, 0.02], seed: 1 },
        eps: [0, 0.5, 2],
        samples: 200,
        seed: 3,
      }),
    );
    const out = path.join(dir, 'out');
    const lines: string[] = [];
    console.log = (...a: unknown[]) => lines.push(a.join(' '));
    console.error = () => {};
    await runTheory(['--config', cfg, '--out', out]);
    console.log = log;
    const json = JSON.parse(fs.readFileSync(path.join(out, 'theory.json'), 'utf8')) as Json;
    assert.equal(json.robust.length, 3);
    assert.equal(json.robust[0]!.lambda, 'Infinity'); // ε = 0: written as a string, not null
    for (const r of json.robust) {
      assert.ok(
        r.numerical.converged && r.numerical.relErrorFrobenius < 1e-3 && r.numerical.tol > 0,
      );
    }
    assert.equal(json.samples.robust.length, 3);
    assert.match(json.conventions.lambdaOfEps!, /E‖δ‖² = ε²/);
    for (const f of ['ellipses.svg', 'angles.svg'])
      assert.match(
        fs.readFileSync(path.join(out, f), 'utf8'),
        /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\n$/,
      );
    assert.ok(lines.some((l) => /wrote .*theory\.json/.test(l)));
    await assert.rejects(runTheory(['--config', cfg]), /--out DIR is required/);
    await assert.rejects(
      runTheory(['--out', out, '--config', path.join(dir, 'nope.json')]),
      /nope\.json: field '\(file\)'/,
    );
  } finally {
    console.log = log;
    console.error = err;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the built-in 2-D demo: robust gradients align with μ*, ellipses approach the circle, cancellation works', async () => {
  const r = await runTheoryExperiment({ ...defaultTheoryConfig(), samples: undefined }, 'demo');
  assert.ok(r.summary.maxRelErrorClosedFormVsNumerical! < 1e-3);
  const angles = r.robust.map((x) => x.gradientAngleDeg);
  angles.slice(1).forEach((a, i) => assert.ok(a < angles[i]!));
  assert.equal(r.plot!.ellipses.length, r.robust.length);
  assert.equal(r.plot!.ellipses[0]!.points.length, 65);
  const ac = new AbortController();
  const p = runTheoryExperiment(defaultTheoryConfig(), 'demo', {
    signal: ac.signal,
    onProgress: () => ac.abort(),
  });
  await assert.rejects(p, { name: 'AbortedError' });
});
