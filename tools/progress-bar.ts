/** A one-line progress bar on stderr, drawn only on a terminal so logs and pipes stay clean. */

const WIDTH = 30;

export class ProgressBar {
  private done = 0;
  /** Shown after the count (e.g. rate and ETA). */
  private status = '';

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    readonly enabled = stream.isTTY === true,
  ) {}

  /** Erases the bar so a result line can be printed in its place. */
  clear(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }

  tick(steps = 1, status = this.status): void {
    this.moveTo(this.done + steps, status);
  }

  /** Sets the count done (and the status text after it). */
  moveTo(done: number, status = this.status): void {
    this.done = Math.min(this.total, done);
    this.status = status;
    this.redraw();
    if (this.enabled && this.done === this.total) this.clear();
  }

  /** Draws the bar again (after clear() made room for a line of output). */
  redraw(): void {
    if (!this.enabled || this.done === this.total) return;
    const filled = Math.round((this.done / this.total) * WIDTH);
    this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${this.done}/${this.total}${this.status ? ` ${this.status}` : ''}\x1b[K`);
  }
}
