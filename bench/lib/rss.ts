import { readFileSync } from 'node:fs';

/** One RSS reading: seconds since sampling started, resident set size in MiB. */
export interface RssSample {
  s: number;
  mib: number;
}

/** Start, maximum, end and the samples of one process's RSS. */
export interface RssSummary {
  /** At the mark (when the measured work started), else the first sample. */
  startMib: number;
  maxMib: number;
  endMib: number;
  /** Median over the second half of the samples after the mark (the steady state of a long run). */
  steadyMib: number;
  /**
   * Median of the last quarter minus median of the second quarter of the samples after the
   * mark: how much RSS still grew while the work went on. Undefined with fewer than 8 samples.
   */
  growthMib: number | undefined;
  /** Seconds (as in `samples`) of the mark. */
  markS: number | undefined;
  samples: RssSample[];
}

/** VmRSS of a process in MiB from /proc, or undefined once it has exited. */
export function readRssMib(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Math.round((Number(m[1]) / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` (default 1 s) until stopped; at most `maxSamples`. */
export class RssSampler {
  readonly #samples: RssSample[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #t0 = performance.now();
  #mark: number | undefined;

  constructor(
    private readonly pid: number,
    everyMs = 1_000,
    private readonly maxSamples = 24 * 3_600,
  ) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
    this.#timer.unref();
  }

  #sample(): void {
    if (this.#samples.length >= this.maxSamples) return;
    const mib = readRssMib(this.pid);
    if (mib !== undefined) this.#samples.push({ s: Math.round((performance.now() - this.#t0) / 100) / 10, mib });
  }

  /** Marks the start of the measured work (samples before it are start-up). */
  mark(): void {
    this.#sample();
    this.#mark = Math.max(0, this.#samples.length - 1);
  }

  /** Takes a last sample, stops, and summarises. */
  stop(): RssSummary {
    this.#sample();
    clearInterval(this.#timer);
    return summarizeRss(this.#samples, this.#mark);
  }
}

/** Start, max, end, steady state and growth of a series of samples, from the mark on. */
export function summarizeRss(samples: readonly RssSample[], mark = 0): RssSummary {
  const all = samples.map((x) => x.mib);
  const values = all.slice(mark);
  const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const q = Math.floor(values.length / 4);
  return {
    startMib: values[0] ?? 0,
    maxMib: all.length === 0 ? 0 : Math.max(...all),
    endMib: values[values.length - 1] ?? 0,
    steadyMib: median(values.slice(Math.floor(values.length / 2))),
    growthMib: values.length < 8 ? undefined : Math.round((median(values.slice(3 * q)) - median(values.slice(q, 2 * q))) * 10) / 10,
    markS: samples[mark]?.s,
    samples: [...samples],
  };
}
