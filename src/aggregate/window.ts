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
