/** A live window: events ingested in [fromMs, toMs); the cursor moves to `toMs` once it is done. */
export interface LiveWindow {
  fromMs: number;
  toMs: number;
}

/** Inputs of window planning; all times epoch ms. */
export interface WindowPlanInput {
  cursorMs: number;
  nowMs: number;
  queryDelayMs: number;
  maxWindowMs: number;
  maxWindows: number;
}

/**
 * The next windows after the cursor: contiguous, each at most `maxWindowMs`, ending no later
 * than `now - queryDelay` (so documents had time to become searchable). Pure: the same
 * inputs plan the same windows, however long the gap since the cursor.
 */
export function planWindows(input: WindowPlanInput): LiveWindow[] {
  const end = input.nowMs - input.queryDelayMs;
  const out: LiveWindow[] = [];
  let from = input.cursorMs;
  while (from < end && out.length < input.maxWindows) {
    // Align full windows on multiples of maxWindowMs so re-planning after a crash reuses job ids.
    const boundary = (Math.floor(from / input.maxWindowMs) + 1) * input.maxWindowMs;
    const to = Math.min(boundary, end);
    out.push({ fromMs: from, toMs: to });
    from = to;
  }
  return out;
}

/** BullMQ job id of a live window (ids may not contain ':' nor be all digits). */
export function liveJobId(w: LiveWindow): string {
  return `live-${w.fromMs}-${w.toMs}`;
}

/** How many chunks `planChunks` makes of [fromMs, toMs), without making them (a range may hold millions). */
export function chunkCount(fromMs: number, toMs: number, chunkMs: number): number {
  if (!(toMs > fromMs)) return 0;
  return Math.ceil(toMs / chunkMs) - Math.floor(fromMs / chunkMs);
}

/** The backfill chunks of [fromMs, toMs), each at most `chunkMs`, aligned on multiples of chunkMs. */
export function planChunks(fromMs: number, toMs: number, chunkMs: number): LiveWindow[] {
  const out: LiveWindow[] = [];
  let from = fromMs;
  while (from < toMs) {
    const to = Math.min((Math.floor(from / chunkMs) + 1) * chunkMs, toMs);
    out.push({ fromMs: from, toMs: to });
    from = to;
  }
  return out;
}

/**
 * How many consecutive chunks of a plan each chunk job takes: chunks are joined while the
 * candidates counted in them stay within `target` (a chunk over it alone is a job of its own).
 * `countAt` gives the candidates of the chunk starting at a multiple of chunkMs (the count's
 * step). Pure: the same counts give the same jobs.
 */
export function joinByCandidates(chunks: readonly LiveWindow[], chunkMs: number, countAt: (stepStartMs: number) => number, target: number): number[] {
  const spans: number[] = [];
  let span = 0;
  let sum = 0;
  for (const c of chunks) {
    const n = countAt(Math.floor(c.fromMs / chunkMs) * chunkMs);
    if (span > 0 && sum + n > target) {
      spans.push(span);
      span = 0;
      sum = 0;
    }
    span += 1;
    sum += n;
  }
  if (span > 0) spans.push(span);
  return spans;
}

/** Below this many counted candidates a run is not cut for parallelism: one job is cheaper than two. */
export const minJobCandidates = 1_000;

/**
 * A run's jobs (spans of consecutive chunks): joined while within `chunkCandidates`
 * (joinByCandidates), and when that leaves fewer jobs than `parallel` (the chunk jobs one worker
 * runs at once) for more than `minJobCandidates` candidates, cut instead into `parallel` jobs of
 * about equal counts, so they run side by side rather than one scanning and writing alone.
 * Pure: the same counts give the same jobs.
 */
export function planJobs(chunks: readonly LiveWindow[], chunkMs: number, countAt: (stepStartMs: number) => number, chunkCandidates: number, parallel: number): number[] {
  const spans = joinByCandidates(chunks, chunkMs, countAt, chunkCandidates);
  const parts = Math.min(parallel, chunks.length);
  if (spans.length >= parts) return spans;
  const counts = chunks.map((c) => countAt(Math.floor(c.fromMs / chunkMs) * chunkMs));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= minJobCandidates) return spans;
  return splitEvenly(counts, total, parts);
}

/** Spans cutting `counts` into `parts` runs of consecutive chunks, each cut where the running sum first reaches its share. */
function splitEvenly(counts: readonly number[], total: number, parts: number): number[] {
  const spans: number[] = [];
  let span = 0;
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    span += 1;
    sum += counts[i] as number;
    const chunksLeft = counts.length - i - 1;
    const jobsLeft = parts - spans.length - 1;
    // Cut when this job's share is reached, or when every later job needs one of the chunks left.
    if (jobsLeft > 0 && (sum >= (total * (spans.length + 1)) / parts || chunksLeft === jobsLeft)) {
      spans.push(span);
      span = 0;
    }
  }
  spans.push(span);
  return spans;
}

/** The chunk jobs of a plan joined by `spans` (see joinByCandidates); without spans, one job per chunk. */
export function joinChunks(chunks: readonly LiveWindow[], spans: readonly number[] | undefined): LiveWindow[] {
  if (spans === undefined) return [...chunks];
  const total = spans.reduce((a, b) => a + b, 0);
  if (total !== chunks.length || spans.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`backfill plan: expected spans of whole chunks summing to ${chunks.length}, got ${spans.length} spans summing to ${total}`);
  }
  const out: LiveWindow[] = [];
  let i = 0;
  for (const s of spans) {
    const first = chunks[i] as LiveWindow;
    const last = chunks[i + s - 1] as LiveWindow;
    out.push({ fromMs: first.fromMs, toMs: last.toMs });
    i += s;
  }
  return out;
}
