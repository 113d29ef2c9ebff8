import type { Command } from 'commander';
import { planSetup, type PlannedRequest } from '../../setup/plan.js';
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
  dryRun?: boolean;
}

/** `setup`: findings template, write alias, ILM policy and alert-source index; Kibana saved objects and the Security rule when given a URL. */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description(
      'install the findings index template and write alias (with an ILM policy where the cluster has ILM) and the alert-source index and, ' +
        'with a Kibana URL, import the data view, saved search and dashboard and install the Elastic Security rule; safe to run again',
    )
    .option('--kibana-url <url>', 'Kibana URL (env KIBANA_URL); without one, Kibana is skipped')
    .option('--kibana-username <user>', 'Kibana basic-auth user (env KIBANA_USERNAME)')
    .option('--kibana-password <password>', 'Kibana password (prefer env KIBANA_PASSWORD: flags show in the process list)')
    .option('--kibana-api-key <key>', 'Kibana API key, base64 "id:key" (prefer env KIBANA_API_KEY)')
    .option('--kibana-space <id>', 'Kibana space to import into (default: the default space)')
    .option('--json', 'print one JSON document instead of text')
    .option('--dry-run', 'print every request setup would make (method, path, body) and send nothing')
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
      if (opts.dryRun === true) {
        const plan = planSetup(config);
        process.stdout.write(json ? `${JSON.stringify(plan, null, 2)}\n` : plan.map(formatPlanned).join('\n'));
        return;
      }
      const report = await runSetup(config, json ? {} : { onStep: (s) => process.stdout.write(`${formatStep(s)}\n`) });
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatSummary(report)}\n`);
    });
}

function formatPlanned(r: PlannedRequest): string {
  const when = r.when !== undefined ? `# only when ${r.when}\n` : '';
  const body = r.body === null ? '' : `\n${JSON.stringify(r.body, null, 2)}`;
  return `${when}${r.method} ${r.service === 'kibana' ? 'kibana' : 'elasticsearch'} ${r.path}${body}\n`;
}
