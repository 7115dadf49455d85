/** Show Backend starts a worker and reports the ladder's choice: wasm here (no tfjs-node installed). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BackendInfo } from '../../../src/engine/backend/ladder';
import { activateExtension, recordTiming } from './helpers';

suite('backend', () => {
  test('Show Backend names wasm', async function () {
    this.timeout(60_000);
    const { hooks } = await activateExtension();
    const t0 = performance.now();
    const info = await vscode.commands.executeCommand<BackendInfo | undefined>(
      'robustFeatures.showBackend',
    );
    recordTiming('Show Backend (fork worker + init wasm)', performance.now() - t0);
    assert.ok(info, 'no BackendInfo returned');
    assert.equal(info.name, 'wasm');
    assert.equal(info.ladder.find((r) => r.backend === 'wasm')?.status, 'chosen');
    assert.equal(hooks.workerPids().length, 1, 'one worker is alive after Show Backend');
  });
});
