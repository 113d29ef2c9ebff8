/**
 * A list with a cap, so that a hostile command line (a megabyte of `-X X -X X ...`) cannot
 * make a verdict megabytes long. Items past the cap are counted, and one summary item says so.
 */
export class Collector<T> {
  private readonly items: T[] = [];
  private dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly summary: (dropped: number) => T,
  ) {}

  /** Adds an item, or counts it when the cap is reached. */
  push(item: T): void {
    if (this.items.length < this.limit) this.items.push(item);
    else this.dropped++;
  }

  /** Number of items offered so far, kept or not. */
  get size(): number {
    return this.items.length + this.dropped;
  }

  /** The kept items, plus the summary item when some were dropped. */
  toArray(): T[] {
    return this.dropped === 0 ? [...this.items] : [...this.items, this.summary(this.dropped)];
  }
}
