/**
 * Activation is lazy: commands only; no worker, no queue, no status bar until first use. How
 * long it takes is a bench row (npm run bench:activation), not an assertion.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, recordTiming } from './helpers';

suite('activation', () => {
  test('activates lazily', async () => {
    const { ext, hooks, ms } = await activateExtension();
    assert.ok(ext.isActive);
    recordTiming('activate() measured inside the extension', hooks.activationMs);
    recordTiming('ext.activate() round trip', ms);
    assert.equal(
      hooks.servicesLoaded(),
      false,
      'job services must load on first use, not at activation',
    );
    assert.deepEqual(hooks.workerPids(), []);
    assert.equal(hooks.statusText(), undefined);
  });

  test('runs on a VS Code the manifest accepts', () => {
    const [major, minor] = vscode.version.split('.').map(Number);
    assert.ok(major! > 1 || minor! >= 100, `VS Code ${vscode.version}`);
  });
});
