/**
 * The one error type every dataset parser throws. Bad input files are the most common
 * failure a user hits, so the message always says which file and what is wrong with it,
 * instead of surfacing as a RangeError from a typed-array constructor or a shape error
 * deep inside tfjs.
 */
export class DataFormatError extends Error {
  /** The file (or folder, or dataset spec) at fault. */
  readonly file: string;
  /** What is wrong with it, in words a user can act on. */
  readonly problem: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'DataFormatError';
    this.file = file;
    this.problem = problem;
  }
}

/** Human-readable byte counts for messages ("47040016 bytes" stays exact: users compare them). */
export function bytesWord(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/** `0x00000803` style, as the IDX and CIFAR documentation write magic numbers. */
export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}
