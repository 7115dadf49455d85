/**
 * What activate() returns. Only `testHooks` today, and only outside production mode: it lets
 * the real-VS-Code tests (test/vscode) observe the status bar and the workers. It is a TEST
 * HOOK, not an API: no other extension should rely on it.
 */
export interface TestHooks {
  /** How long activate() took, ms. */
  activationMs: number;
  /** The job status bar text now; undefined when hidden or before first use. */
  statusText(): string | undefined;
  /** Every status bar text shown so far, with Date.now() times. */
  statusHistory(): { t: number; text: string }[];
  /** The queue: running jobs first, then queued ones. */
  jobs(): {
    id: string;
    name: string;
    state: string;
    cancelRequested: boolean;
    workerRssMB?: number;
    /** The job's last progress: how far, and what it is doing (e.g. which attack). */
    progress?: { fraction: number; message?: string };
  }[];
  /** Pids of live compute workers. */
  workerPids(): number[];
  /** Whether the lazily loaded services (queue, status bar) have been created. */
  servicesLoaded(): boolean;
  /** The Explorer decoration of a folder (a checkpoint's badge and tooltip), if any. */
  decoration(fsPath: string): { badge?: string; tooltip?: string } | undefined;
  /** The Runs view's items, freshly scanned. */
  runsTree(): Promise<
    { group: string; label: string; description: string; contextValue: string }[]
  >;
}

export interface RobustFeaturesApi {
  /** TEST HOOK (see above); undefined in production. */
  testHooks?: TestHooks;
}
