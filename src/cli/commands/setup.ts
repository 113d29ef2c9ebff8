import type { Command } from 'commander';
import { formatStep, formatSummary } from '../../setup/report.js';
import { runSetup } from '../../setup/setup.js';
import { configFor } from '../context.js';

interface SetupOptions {
  kibanaUrl?: string;
  kibanaUsername?: string;
  kibanaPassword?: string;
  kibanaApiKey?: string;
  kibanaSpace?: string;
  json?: boolean;
}

/** `setup`: findings template, write alias and ILM policy; Kibana saved objects when given a URL. */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'install the findings index template and write alias (with an ILM policy where the cluster has ILM) and, ' +
        'with a Kibana URL, import the data view, saved search and dashboard; safe to run again',
    )
    .option('--kibana-url <url>', 'Kibana URL (env KIBANA_URL); without one, Kibana is skipped')
    .option('--kibana-username <user>', 'Kibana basic-auth user (env KIBANA_USERNAME)')
    .option('--kibana-password <password>', 'Kibana password (prefer env KIBANA_PASSWORD: flags show in the process list)')
    .option('--kibana-api-key <key>', 'Kibana API key, base64 "id:key" (prefer env KIBANA_API_KEY)')
    .option('--kibana-space <id>', 'Kibana space to import into (default: the default space)')
    .option('--json', 'print one JSON document instead of text')
    .action(async (opts: SetupOptions, cmd: Command) => {
      if (opts.kibanaApiKey !== undefined && (opts.kibanaUsername !== undefined || opts.kibanaPassword !== undefined)) {
        cmd.error('setup: give either --kibana-api-key or --kibana-username/--kibana-password, not both', { exitCode: 2 });
      }
      const config = configFor(cmd, {
        'kibana.url': opts.kibanaUrl,
        'kibana.username': opts.kibanaUsername,
        'kibana.password': opts.kibanaPassword,
        'kibana.apiKey': opts.kibanaApiKey,
        'kibana.space': opts.kibanaSpace,
      });
      const json = opts.json === true;
      const report = await runSetup(config, json ? {} : { onStep: (s) => process.stdout.write(`${formatStep(s)}\n`) });
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatSummary(report)}\n`);
    });
}
