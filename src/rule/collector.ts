const NONE: readonly never[] = Object.freeze([]);

/**
 * A list with a cap, so that a hostile command line (a megabyte of `-X X -X X ...`) cannot
 * make a verdict megabytes long. Items past the cap are counted, and one summary item says so.
 * Most verdicts have no near-misses or notes at all, so callers make a collector on its first
 * item (`addTo`) and keep null until then: a match then allocates none.
 */
export class Collector<T> {
  private items: T[] | null = null;
  private dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly summary: (dropped: number) => T,
  ) {}

  /** Adds an item, or counts it when the cap is reached. */
  push(item: T): void {
    if (this.items === null) this.items = [item];
    else if (this.items.length < this.limit) this.items.push(item);
    else this.dropped++;
  }

  /** Number of items offered so far, kept or not. */
  get size(): number {
    return (this.items?.length ?? 0) + this.dropped;
  }

  /** The kept items, without copying: for reading only. */
  values(): readonly T[] {
    return this.items ?? NONE;
  }

  /** The kept items, plus the summary item when some were dropped. */
  toArray(): T[] {
    if (this.items === null) return [];
    return this.dropped === 0 ? [...this.items] : [...this.items, this.summary(this.dropped)];
  }
}

/** Adds `item` to `collector`, making the collector first when there is none yet; returns it. */
export function addTo<T>(collector: Collector<T> | null, item: T, limit: number, summary: (dropped: number) => T): Collector<T> {
  const target = collector ?? new Collector<T>(limit, summary);
  target.push(item);
  return target;
}

/** The kept items of a collector that may never have been made. */
export function valuesOf<T>(collector: Collector<T> | null): readonly T[] {
  return collector === null ? NONE : collector.values();
}
