import type { Command } from 'commander';
import { createApp, startWorker } from '../../app.js';
import { LiveCursor } from '../../aggregate/cursor.js';
import { workerReadinessChecks } from '../../health/checks.js';
import { startHealthServer } from '../../health/server.js';
import { startTelemetry } from '../../telemetry/bootstrap.js';
import { createLogger } from '../../telemetry/logger.js';
import { configFor } from '../context.js';

/** `run`: the long-running worker (live detection and backfill chunks). */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the worker: poll Elasticsearch live and process backfill chunks until SIGTERM')
    .option('--no-live', 'do not poll live (only work on backfill chunks)')
    .option('--no-backfill', 'do not work on backfill chunks')
    .action(async (opts: { live: boolean; backfill: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      const logger = createLogger(config.log);
      // Before createApp: the metrics API has no proxy, so meters taken earlier would stay no-ops.
      const telemetry = await startTelemetry(config.telemetry, logger);
      const app = createApp(config, logger, 'worker');
      const abort = new AbortController();
      let stopping: Promise<void> | undefined;
      const done = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping !== undefined) {
            logger.warn(`second ${signal}: exiting now`);
            process.exit(1);
          }
          logger.info({ event: { action: 'shutdown' } }, `${signal}: draining in-flight jobs`);
          abort.abort();
          stopping = (async () => {
            await running?.stop();
            await app.close();
            await telemetry.shutdown();
          })().then(resolve);
        };
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      });
      let running: Awaited<ReturnType<typeof startWorker>> | undefined;
      try {
        if (config.health.enabled) {
          const cursor = new LiveCursor(app.redis, app.keys.liveCursor);
          const health = await startHealthServer({
            host: config.health.host,
            port: config.health.port,
            checkTimeoutMs: config.health.checkTimeoutMs,
            logger,
            checks: workerReadinessChecks({ es: app.es, redis: app.redis, health: config.health, readCursorMs: opts.live ? () => cursor.get() : undefined }),
          });
          app.onClose(() => health.close());
        }
        running = await startWorker(app, { live: opts.live, backfill: opts.backfill }, abort.signal);
      } catch (err) {
        if (abort.signal.aborted) return done;
        await app.close();
        await telemetry.shutdown();
        throw err;
      }
      await done;
    });
}
