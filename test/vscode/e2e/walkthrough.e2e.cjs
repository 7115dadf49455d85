// Browser test of the Getting Started walkthrough (issue 22) in code-server + Debian chromium:
// from an empty workspace folder, each step's own button, in order: Locate Data (the folder
// picker) → Train Model → Evaluate Robustness → Build Robustified Dataset → Open Gallery →
// Reproduce Paper (smoke) and Show Results. Each step's outcome is checked on disk or in the
// panel, with a screenshot; Cancel Job must be disabled (absent from the palette) with no job
// running and offered while one runs. Prints "ok - …" / "not ok - …", then
// "browser: N passed, N failed". A failed step stops the walk (the next needs its output).
// Usage: node walkthrough.e2e.cjs <codeServerUrl> <extensionPath> <emptyWorkspace> <shotsDir>
const { chromium } = require(process.env.PW_CORE || 'playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [base, devPath, ws, shots] = process.argv.slice(2);
const DATA = process.env.RFL_E2E_DATA || '/usr/share/datasets/fashion-mnist';
const authority = new URL(base).host;
const payload = JSON.stringify([
  ['extensionDevelopmentPath', `vscode-remote://${authority}${devPath}`],
]);
const url = `${base}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`;
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
let passed = 0;
let failed = 0;
let stopped = false;
let onFail = async () => {};
async function check(name, fn) {
  if (stopped) return;
  const s = Date.now();
  try {
    await fn();
    passed++;
    log(`ok - ${name} (${Date.now() - s} ms)`);
  } catch (e) {
    failed++;
    stopped = true;
    log(`not ok - ${name}: ${(e && e.message) || e}`);
    await onFail(`walkthrough-fail-${passed + failed}`).catch(() => {});
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Polls `fn` until it returns a truthy value; throws `what` after `ms`. */
async function until(page, what, fn, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await page.waitForTimeout(1000)) {
    const v = fn();
    if (v) return v;
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}

/** The folders under `dir` holding a manifest.json whose kind is `kind` (depth ≤ 3). */
function runsOf(kind, dir = path.join(ws, 'runs'), depth = 0) {
  if (depth > 3 || !fs.existsSync(dir)) return [];
  const found = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const d = path.join(dir, e.name);
    try {
      const m = JSON.parse(fs.readFileSync(path.join(d, 'manifest.json'), 'utf8'));
      if (m.kind === kind) found.push({ dir: d, manifest: m });
    } catch {
      /* not a run folder (yet) */
    }
    found.push(...runsOf(kind, d, depth + 1));
  }
  return found;
}
const readJson = (f) => {
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch {
    return undefined;
  }
};

(async () => {
  fs.mkdirSync(shots, { recursive: true });
  assert(fs.readdirSync(ws).length === 0, `${ws} must start empty`);
  const profile = fs.mkdtempSync(`${os.tmpdir()}/chrome-profile-`);
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.on('pageerror', (e) => log('[pageerror]', e.message));
  const shot = async (name) => {
    const file = path.join(shots, `${name}.png`);
    await page.screenshot({ path: file });
    log('screenshot', file);
  };
  onFail = shot;
  const input = page.locator('.quick-input-widget input');
  const rows = page.locator('.quick-input-list .monaco-list-row');

  /** The palette's rows for `text` (after the list settles). */
  async function paletteRows(text) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(`>${text}`);
    await page.waitForTimeout(1500);
    return rows.allInnerTexts();
  }
  async function palette(text) {
    const listed = await paletteRows(text);
    assert(
      listed.some((r) => r.includes(text)),
      `'${text}' not in the palette: ${listed.join(' | ')}`,
    );
    await page.keyboard.press('Enter');
  }
  /** Answers the next quick pick or input box: `value` typed, Enter. */
  async function answer(value, timeout = 30000) {
    await input.waitFor({ state: 'visible', timeout });
    await page.waitForTimeout(400);
    await input.fill(value);
    await page.waitForTimeout(600);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
  }
  // The walkthrough page: a step by its title, then the button its description renders.
  const walkthrough = page.locator('.gettingStartedContainer:visible');
  async function clickStep(title, button) {
    const step = walkthrough.locator('.getting-started-step', { hasText: title }).first();
    await step.waitFor({ timeout: 20000 });
    const b = step.getByRole('button', { name: button }).first();
    // Clicking a step expands it; clicking the expanded one again would collapse it.
    if (!(await b.isVisible().catch(() => false))) {
      await step.click();
      await page.waitForTimeout(600);
    }
    await b.click();
  }
  async function showWalkthrough() {
    const tab = page.locator('.tab', { hasText: 'Walkthrough: Robust Features Lab' }).first();
    if (!(await walkthrough.isVisible().catch(() => false)) && (await tab.count())) {
      await tab.click();
      await page.waitForTimeout(800);
    }
    if (!(await walkthrough.isVisible().catch(() => false))) {
      await palette('Welcome: Open Walkthrough...');
      await answer('Robust Features Lab');
    }
    await walkthrough.waitFor({ timeout: 20000 });
    await page.waitForTimeout(800);
  }
  const cancelJobListed = async () =>
    (await paletteRows('Robust Features: Cancel Job')).some((r) => r.includes('Cancel Job'));

  try {
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForTimeout(4000);
    log('workbench visible');

    await check('Cancel Job is disabled with no job running', async () => {
      assert(!(await cancelJobListed()), 'Cancel Job is offered although no job runs');
      await page.keyboard.press('Escape');
    });

    await check('the walkthrough opens from an empty workspace', async () => {
      await showWalkthrough();
      const titles = await walkthrough.locator('.getting-started-step .step-title').allInnerTexts();
      for (const t of ['Locate the data', 'Build D_R', 'Read the results'])
        assert(
          titles.some((x) => x.includes(t)),
          `step '${t}' missing: ${titles.join(' | ')}`,
        );
      await shot('walkthrough-0-open');
    });

    await check('1. Locate Data: the folder picker sets robustFeatures.dataPath', async () => {
      await clickStep('Locate the data', 'Locate Data…');
      // code-server's folder picker is the simple file dialog: a path in the quick input.
      await input.waitFor({ state: 'visible', timeout: 15000 });
      // The dialog writes its starting folder into the input once it has read it: type after that.
      for (let i = 0; i < 20 && !(await input.inputValue()).startsWith('/'); i++)
        await page.waitForTimeout(250);
      await page.waitForTimeout(500);
      for (let i = 0; i < 3 && (await input.inputValue()) !== `${DATA}/`; i++) {
        await input.fill(`${DATA}/`);
        await page.waitForTimeout(1500);
      }
      await shot('walkthrough-1-picker');
      const ok = page.locator('.quick-input-widget .monaco-button', { hasText: 'Use This Folder' });
      if (await ok.isVisible().catch(() => false)) await ok.click();
      else await page.keyboard.press('Enter');
      const settings = path.join(ws, '.vscode', 'settings.json');
      const v = await until(
        page,
        'dataPath in .vscode/settings.json',
        () => readJson(settings)?.['robustFeatures.dataPath'],
        20000,
      );
      assert(v === DATA, `dataPath ${v}, expected ${DATA}`);
      await showWalkthrough();
      await shot('walkthrough-1-data');
    });

    await check('2. Train Model: a checkpoint; Cancel Job offered while it runs', async () => {
      await clickStep('Train a standard', 'Train Model');
      await answer('mlp');
      await answer('2');
      // The first job loads the job queue: the key is set once the job is queued.
      let offered = false;
      for (let i = 0; i < 10 && !offered; i++) offered = await cancelJobListed();
      assert(offered, 'Cancel Job not offered while a job runs');
      await shot('walkthrough-2-running');
      await page.keyboard.press('Escape');
      const [ckpt] = await until(
        page,
        'a trained checkpoint',
        () => {
          const c = runsOf('checkpoint').filter((r) =>
            fs.existsSync(path.join(r.dir, 'metrics.json')),
          );
          return c.length ? c : undefined;
        },
        240000,
      );
      const m = readJson(path.join(ckpt.dir, 'metrics.json'));
      assert(m.standardAcc > 0.7, `test accuracy ${m.standardAcc}`);
      log(`checkpoint ${ckpt.dir}: accuracy ${m.standardAcc}`);
      await page.waitForTimeout(2000);
      await showWalkthrough();
      await shot('walkthrough-2-trained');
    });

    await check('3. Evaluate Robustness: robust accuracy in metrics.json', async () => {
      await clickStep('Evaluate robustness', 'Evaluate Robustness');
      await answer(''); // the checkpoint (the only one)
      await answer('ε = 1.5'); // the threat model
      const ckpt = runsOf('checkpoint')[0];
      const acc = await until(
        page,
        'robustAcc.l2 in metrics.json',
        () => readJson(path.join(ckpt.dir, 'metrics.json'))?.robustAcc?.l2?.['1.5'],
        240000,
      );
      const m = readJson(path.join(ckpt.dir, 'metrics.json'));
      assert(acc < m.standardAcc, `robust ${acc} ≥ standard ${m.standardAcc}`);
      await page.waitForTimeout(1500);
      await showWalkthrough();
      await shot('walkthrough-3-evaluated');
    });

    await check('4. Build D_R: a complete constructed dataset', async () => {
      await clickStep('Build D_R', 'Build Robustified Dataset');
      await answer(''); // the checkpoint
      await answer('100'); // images
      const d = await until(
        page,
        'D_R manifest with a complete summary',
        () => runsOf('constructed-dataset').find((r) => r.manifest.summary?.complete),
        300000,
      );
      assert(d.manifest.summary.n === 100, `D_R has ${d.manifest.summary.n} images`);
      await page.waitForTimeout(1500);
      await showWalkthrough();
      await shot('walkthrough-4-dr');
    });

    await check('5. Open Gallery: D_R beside the originals', async () => {
      await clickStep('Look at D_R', 'Open Gallery');
      // One gallery folder: no pick; several: the first.
      if (await input.isVisible().catch(() => false)) await answer('');
      const frame = page
        .frameLocator('iframe.webview.ready:visible')
        .frameLocator('iframe#active-frame');
      await frame.locator('img').first().waitFor({ timeout: 60000 });
      const images = await frame.locator('img').count();
      assert(images >= 2, `gallery shows ${images} images`);
      await page.waitForTimeout(1000);
      await shot('walkthrough-5-gallery');
    });

    await check('6. Reproduce Paper (smoke) and Show Results: Figure 2 and Table 1', async () => {
      await showWalkthrough();
      await clickStep('Read the results', 'Reproduce Paper');
      await answer('smoke');
      const results = await until(
        page,
        'results.json of the smoke reproduction',
        () => runsOf('reproduction').find((r) => fs.existsSync(path.join(r.dir, 'results.json'))),
        600000,
      );
      log(`reproduction ${results.dir}`);
      // The command opens results.md when the job ends: wait for it, then go back.
      await page.locator('.tab', { hasText: 'results.md' }).first().waitFor({ timeout: 60000 });
      await page.waitForTimeout(1500);
      await page.keyboard.press('Escape');
      await showWalkthrough();
      await clickStep('Read the results', 'Show Results');
      if (await input.isVisible().catch(() => false)) await answer('');
      const frame = page
        .frameLocator('iframe.webview.ready:visible')
        .frameLocator('iframe#active-frame');
      await frame.locator('#figure2-table').waitFor({ timeout: 60000 });
      await page.waitForTimeout(1500);
      await shot('walkthrough-6-results');
    });

    await check('every walkthrough step is marked done', async () => {
      await showWalkthrough();
      const steps = walkthrough.locator('.getting-started-step');
      const done = walkthrough.locator('.getting-started-step .codicon.complete');
      await page.waitForTimeout(1000);
      const [n, k] = [await steps.count(), await done.count()];
      await shot('walkthrough-7-done');
      assert(n === 6 && k === 6, `${k} of ${n} steps marked done`);
    });
  } catch (e) {
    failed++;
    log(`not ok - walkthrough run: ${(e && e.message) || e}`);
    await shot('walkthrough-error').catch(() => {});
  } finally {
    await ctx.close().catch(() => {});
    console.log(`browser: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  }
})();
