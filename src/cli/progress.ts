/** Terminal progress bars (cli-progress) fed by engine progress events; silent with --json. */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../engine/types';

export function terminalProgress(
  quiet: boolean,
  label: string,
): { onProgress: (e: ProgressEvent) => void; log: (line: string) => void; stop: () => void } {
  if (quiet || !process.stderr.isTTY) {
    return {
      onProgress: () => undefined,
      log: (line) => {
        if (!quiet) console.error(line);
      },
      stop: () => undefined,
    };
  }
  // A MultiBar with one bar, because only MultiBar can print log lines above the bar.
  const multi = new cliProgress.MultiBar(
    {
      format: `${label} [{bar}] {percentage}% | {detail} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(1000, 0, { detail: 'starting' });
  return {
    onProgress: (e) => {
      const parts = [
        e.epoch ? `epoch ${e.epoch}/${e.epochs ?? '?'}` : '',
        e.step ? `step ${e.step}/${e.steps ?? '?'}` : '',
        e.loss !== undefined ? `loss ${e.loss.toFixed(3)}` : '',
        e.accuracy !== undefined ? `acc ${(100 * e.accuracy).toFixed(1)}%` : '',
        e.imagesPerSec ? `${e.imagesPerSec.toFixed(0)} img/s` : '',
      ];
      bar.update(Math.round(e.fraction * 1000), { detail: parts.filter(Boolean).join(' ') });
    },
    log: (line) => multi.log(line + '\n'),
    stop: () => multi.stop(),
  };
}
