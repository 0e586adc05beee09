/**
 * The capacity run: how many people rating at a human pace one server holds.
 *
 * People think between tasks, so a server's saturated throughput says little about how many of
 * them it serves. Here each simulated annotator works like the rating page: queue.next once, then
 * think (uniform in `thinkMs`, 3-10 s by default) and send annotations.submitAndNext, whose reply
 * is the next task; queue.next again only when the queue had nothing. Annotators are added in
 * steps (`start`, then +`step` every `stepSeconds`, each new one starting at a random point of
 * its first think time so they do not arrive at once) until, over a step, the p99 of queue.next
 * or of submitAndNext passes `p99LimitMs`, more than 1% of the requests fail, or this client
 * process itself saturates (its CPU use or event-loop delay: past that point the latencies it
 * measures are its own queueing, not the server's). The capacity is the largest count whose
 * whole step stayed within the limits.
 */
import { setMaxListeners } from 'node:events';
import type http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { callTrpc } from './http-annotator';
import { round2, summarize } from './stats';

/** This process uses more than this share of one core over a step: the client is the bottleneck. */
const CLIENT_CPU_LIMIT = 0.85;
/** Or its event loop answers timers this late (p99, ms; the default of `clientLoopDelayLimitMs`): measured latencies would include it. */
export const CLIENT_LOOP_DELAY_LIMIT_MS = 20;
const ERROR_RATE_LIMIT = 0.01;
const EMPTY_QUEUE_PAUSE_MS = 1000;

export type CapacityStopReason = 'p99' | 'errors' | 'client_saturated' | 'max_reached';

export type CapacityStep = {
  annotators: number;
  next_p99_ms: number;
  submit_p99_ms: number;
  next_count: number;
  submit_count: number;
  submit_per_s: number;
  errors: number;
  client_cpu: number;
  client_loop_delay_p99_ms: number;
  is_held: boolean;
};

export type CapacityResult = { capacityAnnotators: number; stopReason: CapacityStopReason; steps: CapacityStep[]; errorSamples: string[] };

type TaskRef = { taskId: number };
type Window = { from: number; nextMs: number[]; submitMs: number[]; errors: number };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

export async function runCapacity(options: {
  baseUrl: string;
  projectId: number;
  /** One Cookie header per simulated annotator; at most this many are started. */
  cookies: string[];
  start: number;
  step: number;
  max: number;
  stepSeconds: number;
  p99LimitMs: number;
  thinkMs: [number, number];
  clientLoopDelayLimitMs?: number;
  agent: http.Agent;
  log: (line: string) => void;
  /** Appended to each call's URL (`?via=adapter`: through tRPC's adapter instead of the hot path). */
  urlSuffix?: string;
  /**
   * The first `start` annotators work this long before the first step is measured: their first
   * calls open sockets and sessions, and the server re-plans its prepared statements after the
   * bench's VACUUM ANALYZE; a server that has been running does neither.
   */
  warmupSeconds?: number;
}): Promise<CapacityResult> {
  const { baseUrl, projectId, agent } = options;
  const [thinkMin, thinkMax] = options.thinkMs;
  const max = Math.min(options.max, options.cookies.length);
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every thinking annotator waits on it
  const errorSamples = new Map<string, number>();
  let window: Window = { from: performance.now(), nextMs: [], submitMs: [], errors: 0 };

  const record = (kind: 'next' | 'submit', startedAt: number) => {
    if (startedAt < window.from) return; // began in the previous step
    (kind === 'next' ? window.nextMs : window.submitMs).push(performance.now() - startedAt);
  };
  const recordError = (startedAt: number, error: unknown) => {
    if (startedAt >= window.from) window.errors++;
    const key = String(error instanceof Error ? error.message : error).slice(0, 120);
    errorSamples.set(key, (errorSamples.get(key) ?? 0) + 1);
  };
  const think = () => sleep(thinkMin + Math.random() * (thinkMax - thinkMin), stop.signal);

  const annotator = async (cookie: string) => {
    await sleep(Math.random() * thinkMax, stop.signal);
    let task: TaskRef | null = null;
    while (!stop.signal.aborted) {
      const startedAt = performance.now();
      try {
        if (!task) {
          task = await callTrpc<TaskRef | null>(baseUrl, `queue.next${options.urlSuffix ?? ''}`, { projectId, excludeTaskIds: [] }, cookie, agent);
          record('next', startedAt);
          if (!task) await sleep(EMPTY_QUEUE_PAUSE_MS, stop.signal);
          continue;
        }
        await think();
        if (stop.signal.aborted) break;
        const sentAt = performance.now();
        const input = {
          clientId: randomUUID(),
          taskId: task.taskId,
          answer: { preference: { type: 'pairwise', choice: Math.random() < 0.5 ? 'A' : 'B' } },
          timeSpentMs: Math.round(sentAt - startedAt),
        };
        task = (await callTrpc<{ next: TaskRef | null }>(baseUrl, `annotations.submitAndNext${options.urlSuffix ?? ''}`, input, cookie, agent)).next;
        record('submit', sentAt);
      } catch (error) {
        recordError(startedAt, error);
        task = null;
        await think();
      }
    }
  };

  const running: Promise<void>[] = [];
  const steps: CapacityStep[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let capacity = 0;
  let stopReason: CapacityStopReason = 'max_reached';
  try {
    if (options.warmupSeconds) {
      while (running.length < Math.min(options.start, max)) running.push(annotator(options.cookies[running.length]));
      await sleep(options.warmupSeconds * 1000, new AbortController().signal);
    }
    for (let target = Math.min(options.start, max); target <= max; target = target === max ? max + 1 : Math.min(target + options.step, max)) {
      while (running.length < target) running.push(annotator(options.cookies[running.length]));
      window = { from: performance.now(), nextMs: [], submitMs: [], errors: 0 };
      loopDelay.reset();
      const cpuBefore = process.cpuUsage();
      await sleep(options.stepSeconds * 1000, new AbortController().signal);
      const cpu = process.cpuUsage(cpuBefore);
      const elapsedMs = performance.now() - window.from;

      const next = summarize(window.nextMs);
      const submit = summarize(window.submitMs);
      const requests = window.nextMs.length + window.submitMs.length + window.errors;
      const clientCpu = (cpu.user + cpu.system) / 1000 / elapsedMs;
      const clientLoopDelayP99 = loopDelay.percentile(99) / 1e6;
      const isClientSaturated = clientCpu > CLIENT_CPU_LIMIT || clientLoopDelayP99 > (options.clientLoopDelayLimitMs ?? CLIENT_LOOP_DELAY_LIMIT_MS);
      const isErrorsOver = requests > 0 && window.errors / requests > ERROR_RATE_LIMIT;
      // A kind without samples in a step (queue.next is rare once everyone works) says nothing about it.
      const isSlow = [next, submit].some((s) => s.count > 0 && s.p99 >= options.p99LimitMs);
      const isHeld = !isClientSaturated && !isErrorsOver && !isSlow;
      steps.push({
        annotators: target,
        next_p99_ms: round2(next.p99),
        submit_p99_ms: round2(submit.p99),
        next_count: next.count,
        submit_count: submit.count,
        submit_per_s: round2((submit.count * 1000) / elapsedMs),
        errors: window.errors,
        client_cpu: round2(clientCpu),
        client_loop_delay_p99_ms: round2(clientLoopDelayP99),
        is_held: isHeld,
      });
      options.log(
        `  ${String(target).padStart(5)} annotators: submitAndNext ${((submit.count * 1000) / elapsedMs).toFixed(0).padStart(4)} /s p99 ${submit.p99.toFixed(1)} ms (n=${submit.count}), ` +
          `queue.next p99 ${next.p99.toFixed(1)} ms (n=${next.count}), errors ${window.errors}, client cpu ${(100 * clientCpu).toFixed(0)}% loop p99 ${clientLoopDelayP99.toFixed(1)} ms${isHeld ? '' : '  <- over'}`,
      );
      if (!isHeld) {
        stopReason = isClientSaturated ? 'client_saturated' : isErrorsOver ? 'errors' : 'p99';
        break;
      }
      capacity = target;
    }
  } finally {
    stop.abort();
    loopDelay.disable();
    await Promise.all(running);
  }
  return { capacityAnnotators: capacity, stopReason, steps, errorSamples: [...errorSamples.entries()].map(([k, v]) => `${v}x ${k}`) };
}
