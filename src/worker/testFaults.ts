/**
 * TEST HOOK (issue 9, worker faults): makes this worker crash, hang or run out of memory when
 * its first job starts, so the extension-host tests can check that each fault is detected, the
 * job fails with the reason and the log tail, and the next job gets a fresh worker.
 *
 * Armed only by RFL_TEST_WORKER_FAULT in the worker's environment, which nothing but the test
 * suites sets (test/vscode/suite/faults.test.ts sets it in the extension host just before the
 * worker is forked). Unset, this module does nothing. Each fault fires once per process.
 */
export type TestFault = 'crash' | 'hang' | 'oom' | 'hang-init';
const FAULTS: readonly TestFault[] = ['crash', 'hang', 'oom', 'hang-init'];

let fired = false;

/** The armed fault, if any (an unknown value is reported once and ignored). */
export function armedFault(env: NodeJS.ProcessEnv = process.env): TestFault | undefined {
  const v = env.RFL_TEST_WORKER_FAULT;
  if (!v) return undefined;
  if ((FAULTS as readonly string[]).includes(v)) return v as TestFault;
  console.error(`RFL_TEST_WORKER_FAULT=${v} ignored: expected one of ${FAULTS.join(', ')}`);
  return undefined;
}

/**
 * Called at the start of every job (`where` = the job id) and of initialize (`where` =
 * 'initialize'): fires the armed fault the first time; 'hang-init' fires only in initialize.
 */
export function maybeInjectFault(where: string): void {
  const fault = armedFault();
  if (!fault || fired || (fault === 'hang-init') !== (where === 'initialize')) return;
  fired = true;
  // stderr is synchronous for pipes on Linux: this line is in the client's log tail before the fault.
  const into = where === 'initialize' ? 'initialize' : `job ${where}`;
  console.error(`test fault '${fault}' injected into ${into} (RFL_TEST_WORKER_FAULT)`);
  switch (fault) {
    case 'crash':
      // An uncaught exception outside any request: main.ts's handler reports it and exits 1.
      setImmediate(() => {
        throw new Error('injected crash (RFL_TEST_WORKER_FAULT=crash)');
      });
      return;
    case 'hang':
    case 'hang-init': {
      // A synchronous endless loop: the event loop never turns again, so no heartbeat, no
      // answer to cancel; only a kill ends it. (The date check keeps the loop from being
      // optimised into something else; it never becomes true.)
      const t0 = Date.now();
      for (;;) if (Date.now() < t0 - 1) break;
      return;
    }
    case 'oom': {
      // Unbounded allocation of live JS objects until V8 hits --max-old-space-size.
      const hog: number[][] = [];
      for (;;) hog.push(Array.from({ length: 1 << 16 }, (_, i) => i + hog.length));
    }
  }
}
