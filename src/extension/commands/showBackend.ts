/**
 * Show Backend: starts a worker if none is alive (the ladder is decided in the worker, where
 * tfjs lives) and reports which rung was chosen and why the higher ones were skipped.
 */
import * as vscode from 'vscode';
import type { BackendInfo } from '../../shared/workerProtocol';
import type { Services } from '../services';
import { errorMessage } from '../../shared/errorMessage';

export async function showBackendCommand(
  services: () => Promise<Services>,
): Promise<BackendInfo | undefined> {
  const s = await services();
  try {
    const { backend: b, pid } = await s.queue.backendInfo();
    const features = b.wasmFeatures
      ? ` (SIMD ${b.wasmFeatures.simd ? 'on' : 'off'}, ${b.wasmFeatures.threads} thread${b.wasmFeatures.threads === 1 ? '' : 's'})`
      : '';
    s.log.info(
      `backend: ${b.name}${features}, tfjs ${b.tfjsVersion}, worker pid ${pid}, own kernels: ${b.customKernels.join(', ') || 'none'}`,
    );
    for (const r of b.ladder) s.log.info(`  ${r.backend}: ${r.status} — ${r.reason}`);
    const skipped = b.ladder
      .filter((r) => r.status === 'skipped')
      .map((r) => `${r.backend}: ${r.reason}`);
    void vscode.window
      .showInformationMessage(
        `Robust Features backend: ${b.name}${features}${b.forced ? ' (forced by setting)' : ''}.${skipped.length ? ` Skipped: ${skipped.join('; ')}.` : ''}`,
        'Show Log',
      )
      .then((c) => c && s.log.show(true));
    return b;
  } catch (e) {
    const msg = errorMessage(e);
    s.log.error(`backend could not start: ${msg}`);
    void vscode.window
      .showErrorMessage(`Robust Features: the compute backend could not start — ${msg}`, 'Show Log')
      .then((c) => c && s.log.show(true));
    return undefined;
  }
}
