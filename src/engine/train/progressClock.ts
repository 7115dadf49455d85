/** Throughput, ETA and throttling for progress events (at most ~4 a second). */
export class ProgressClock {
  private readonly start = Date.now();
  private last = 0;
  private imagesSinceStart = 0;
  private done: number;
  private readonly doneAtStart: number;

  constructor(
    private readonly total: number,
    alreadyDone: number,
    private readonly minIntervalMs = 250,
  ) {
    this.done = alreadyDone;
    this.doneAtStart = alreadyDone;
  }

  tick(images: number): void {
    this.done++;
    this.imagesSinceStart += images;
  }

  due(): boolean {
    const now = Date.now();
    if (now - this.last < this.minIntervalMs && this.done < this.total) return false;
    this.last = now;
    return true;
  }

  fraction(): number {
    return this.total ? Math.min(1, this.done / this.total) : 1;
  }

  rate(): number {
    const s = (Date.now() - this.start) / 1000;
    return s > 0 ? this.imagesSinceStart / s : 0;
  }

  eta(): number {
    const stepsHere = this.done - this.doneAtStart;
    if (stepsHere <= 0) return 0;
    const perStep = (Date.now() - this.start) / 1000 / stepsHere;
    return Math.max(0, perStep * (this.total - this.done));
  }
}
