/** Plain-data types shared across the engine. No tensors cross these boundaries. */

/** An in-memory labelled image set: pixels in [0,1], NHWC, row-major. */
export interface Dataset {
  images: Float32Array;
  labels: Int32Array;
  /** [n, height, width, channels] */
  shape: [number, number, number, number];
  numClasses: number;
  classNames?: string[];
  /** Where it came from (path or description), for manifests and error messages. */
  source: string;
  /** What the loader changed, in words (uint8 scaled, NCHW transposed…), for manifests. */
  conversions?: string[];
}

/** Every long operation takes one of these (docs/ARCHITECTURE.md, "Layers"). */
export interface JobContext {
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /** Free-form log lines (the worker forwards them to the LogOutputChannel). */
  log?: (line: string) => void;
}

export interface ProgressEvent {
  /** What is running, e.g. 'train', 'eval', 'construct'. */
  phase: string;
  /** 0..1 over the whole job. */
  fraction: number;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  accuracy?: number;
  imagesPerSec?: number;
  etaSec?: number;
  message?: string;
}

export class AbortedError extends Error {
  constructor(what = 'job') {
    super(`${what} was cancelled`);
    this.name = 'AbortedError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new AbortedError(what);
}

/** One turn of the event loop: without it a long synchronous-backend loop never reads its IPC channel. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Where a long loop may stop: lets the event loop deliver a cancel request (and heartbeats),
 * then throws AbortedError if the signal fired. Costs a few microseconds.
 */
export async function cancellationPoint(
  signal: AbortSignal | undefined,
  what?: string,
): Promise<void> {
  if (!signal) return;
  await yieldToEventLoop();
  throwIfAborted(signal, what);
}
