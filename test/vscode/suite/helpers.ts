/** Shared by the suites (bundled into each): the extension, its test hooks, polling, timings. */
import * as vscode from 'vscode';
import type { RobustFeaturesApi, TestHooks } from '../../../src/extension/api';

export const EXTENSION_ID = 'robust-features-lab.robust-features-lab';

export async function activateExtension(): Promise<{
  ext: vscode.Extension<RobustFeaturesApi>;
  hooks: TestHooks;
  ms: number;
}> {
  const ext = vscode.extensions.getExtension<RobustFeaturesApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  const t0 = performance.now();
  const api = await ext.activate();
  const ms = performance.now() - t0;
  if (!api.testHooks) throw new Error('testHooks missing: the extension runs in production mode');
  return { ext, hooks: api.testHooks, ms };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 25,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A status text that shows training progress (a percentage), not "starting…"/"loading…". */
export const isProgressText = (t: string | undefined): t is string =>
  !!t && /\d+%/.test(t) && !/cancelling/.test(t);

// Timings recorded by the suites, read by index.ts into the result file (one realm: the ext host).
const store = ((globalThis as { __rflTimings?: Record<string, number> }).__rflTimings ??= {});
export function recordTiming(name: string, ms: number): void {
  store[name] = Math.round(ms * 10) / 10;
  console.log(`timing ${name}: ${store[name]} ms`);
}
export function timings(): Record<string, number> {
  return { ...store };
}
