// Opens code-server in headless chromium with extensionDevelopmentPath + extensionTestsPath, so
// the workbench starts an extension host that loads the extension under test and runs the mocha
// suite index inside it (the same contract as @vscode/test-electron). Exits with its code.
// Usage: node runExtTests.cjs <codeServerUrl> <extensionPath> <suiteIndexPath> <workspaceFolder>
const { chromium } = require(process.env.PW_CORE || 'playwright-core');
const fs = require('fs');
const os = require('os');
const util = require('util');

const [base, devPath, testsPath, folder] = process.argv.slice(2);
const authority = new URL(base).host;
const payload = JSON.stringify([
  ['extensionDevelopmentPath', `vscode-remote://${authority}${devPath}`],
  ['extensionTestsPath', `vscode-remote://${authority}${testsPath}`],
]);
const url = `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`;
// The whole main session (≈ 3–4 min on a loaded 2-core machine, worker-fault tests included) must fit.
const timeoutMs = +(process.env.TEST_TIMEOUT_MS || 600000);
// Lines from the workbench itself that say nothing about our tests (offline marketplace, sockets).
const noise = /open-vsx|Creating a socket|connection token|marketplace|ENOTFOUND/;

(async () => {
  const profile = fs.mkdtempSync(`${os.tmpdir()}/chrome-profile-`);
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  let code = 1;
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    const done = new Promise((resolve) => {
      // The workbench calls these when an extension test run is in progress.
      void page.exposeFunction('codeAutomationLog', (type, args) => {
        const line = util.format(...args);
        if (!noise.test(line)) console.log(`[ext-host ${type}] ${line}`);
      });
      void page.exposeFunction('codeAutomationExit', (c) => resolve(c));
    });
    page.on('pageerror', (e) => console.log('[pageerror]', e.message));
    await page.goto(url);
    code = await Promise.race([
      done,
      new Promise((r) => setTimeout(() => r('TIMEOUT'), timeoutMs)),
    ]);
    console.log('extension tests exit code:', code);
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.exit(code === 0 ? 0 : 1);
})().catch((e) => {
  console.error('runExtTests failed:', e);
  process.exit(2);
});
