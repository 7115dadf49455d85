/** The last N lines a worker printed or logged: what a crash report shows. */
export class LineTail {
  private readonly buf: string[] = [];
  constructor(private readonly max: number) {}

  push(line: string): void {
    this.buf.push(line.length > 500 ? line.slice(0, 500) + '…' : line);
    if (this.buf.length > this.max) this.buf.splice(0, this.buf.length - this.max);
  }

  lines(n = this.max): string[] {
    return this.buf.slice(-n);
  }
}
