import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../clients/elasticsearch.js';
import type { Config } from '../config/schema.js';
import { ensureFindingsIndex } from '../sink/findings-index.js';
import {
  detectIlm,
  ensureIlmPolicy,
  ensureWriteIndexLifecycle,
  findingsIlmPolicy,
  lifecycleSettings,
  type ChangeStatus,
} from './ilm.js';
import { alertSourceIndex } from '../sink/alert-source.js';
import { detectFieldTypes, type FieldTypes } from '../sink/field-types.js';
import { ruleBody } from './detection-rule.js';
import { createKibanaClient, type KibanaClient } from './kibana-client.js';
import { importSavedObjects, type KibanaObjectReport } from './kibana-import.js';
import { ensureDetectionRule, type RuleReport } from './rule-install.js';
import { loadSavedObjects } from './saved-objects.js';

/** One finished step of `setup`, reported as it completes (the CLI prints it at once). */
export type SetupStep =
  | { step: 'ilm-policy'; name: string; status: ChangeStatus; operationMode: string }
  | { step: 'template'; name: string; pattern: string; status: ChangeStatus }
  | { step: 'write-index'; alias: string; index: string | null; status: 'created' | 'unchanged' }
  | { step: 'write-index-lifecycle'; index: string; policy: string; status: ChangeStatus }
  | { step: 'ilm-absent'; notice: string }
  | { step: 'field-types'; wildcard: boolean; matchOnlyText: boolean }
  | { step: 'alerts-template'; name: string; pattern: string; status: ChangeStatus }
  | { step: 'alerts-index'; index: string; status: 'created' | 'unchanged' }
  | { step: 'kibana-object'; kibana: string; space: string; object: KibanaObjectReport }
  | { step: 'kibana-rule'; kibana: string; space: string; rule: RuleReport }
  | { step: 'kibana-skipped'; reason: string };

/** Everything `setup` did, for `--json` and for tests. */
export interface SetupReport {
  alias: string;
  ilm: { available: boolean; operationMode?: string; policy?: string };
  /** The ECS field types the cluster maps (wildcard, match_only_text), as the templates use them. */
  fieldTypes: FieldTypes;
  steps: SetupStep[];
  /** False when every step found everything in place: a re-run changes nothing. */
  changed: boolean;
}

/** Clients `setup` may be given instead of building them from the config (tests, embedding). */
export interface SetupDeps {
  es?: Client;
  kibana?: KibanaClient;
  onStep?: (step: SetupStep) => void;
}

/**
 * Installs what the worker and its users need, idempotently: the ILM policy (where the cluster
 * has ILM), the findings template and write alias, the alert-source template and index, and,
 * with a Kibana URL, the saved objects and the Elastic Security rule. Elasticsearch comes
 * first, so a Kibana failure leaves the findings index ready.
 */
export async function runSetup(config: Config, deps: SetupDeps = {}): Promise<SetupReport> {
  const alias = config.sink.findingsAlias;
  const steps: SetupStep[] = [];
  const emit = (s: SetupStep): void => {
    steps.push(s);
    deps.onStep?.(s);
  };
  // Kibana settings and the saved objects file are checked before anything is changed.
  const kibana = deps.kibana ?? createKibanaClient(config.kibana);
  const objects = kibana === undefined ? [] : loadSavedObjects(alias, kibana.space);
  const es = deps.es ?? createElasticsearchClient(config.elasticsearch);
  let ilm: SetupReport['ilm'];
  let fieldTypes: FieldTypes;
  try {
    const found = await detectIlm(es);
    const policy = config.sink.ilmPolicy;
    if (found.available) {
      const status = await ensureIlmPolicy(es, policy, findingsIlmPolicy(config.sink));
      emit({ step: 'ilm-policy', name: policy, status, operationMode: found.operationMode });
      ilm = { available: true, operationMode: found.operationMode, policy };
    } else {
      ilm = { available: false };
    }
    const extraSettings = found.available ? lifecycleSettings(policy, alias) : {};
    fieldTypes = await detectFieldTypes(es);
    emit({ step: 'field-types', ...fieldTypes });
    const index = await ensureFindingsIndex(es, alias, { extraSettings, fieldTypes });
    emit({ step: 'template', name: alias, pattern: `${alias}-*`, status: index.template });
    emit({ step: 'write-index', alias, index: index.concreteIndex ?? null, status: index.writeIndex === 'created' ? 'created' : 'unchanged' });
    const concrete = index.concreteIndex ?? `${alias}-000001`;
    if (found.available && index.concreteIndex !== undefined && index.concreteIndex !== alias) {
      emit({ step: 'write-index-lifecycle', index: concrete, policy, status: await ensureWriteIndexLifecycle(es, concrete, policy, alias) });
    }
    if (!found.available) emit({ step: 'ilm-absent', notice: noIlmNotice(concrete) });
    const alerts = alertSourceIndex(alias);
    emit({ step: 'alerts-template', name: alerts, pattern: alerts, status: index.alertsTemplate });
    emit({ step: 'alerts-index', index: alerts, status: index.alertsIndex === 'created' ? 'created' : 'unchanged' });
  } finally {
    if (deps.es === undefined) await es.close();
  }

  if (kibana === undefined) {
    emit({ step: 'kibana-skipped', reason: 'no Kibana URL given (--kibana-url or KIBANA_URL)' });
  } else {
    const reports = await importSavedObjects(kibana, objects);
    for (const object of reports) emit({ step: 'kibana-object', kibana: kibana.displayUrl, space: kibana.space, object });
    const rule = await ensureDetectionRule(kibana, ruleBody(alias, fieldTypes));
    emit({ step: 'kibana-rule', kibana: kibana.displayUrl, space: kibana.space, rule });
  }
  return { alias, ilm, fieldTypes, steps, changed: steps.some(isChange) };
}

/** The one-line notice for clusters without ILM. */
export function noIlmNotice(index: string): string {
  return `ILM is not available on this cluster: findings go to ${index} without rollover; rotate manually or add ILM`;
}

function isChange(s: SetupStep): boolean {
  switch (s.step) {
    case 'kibana-object':
      return s.object.status !== 'unchanged';
    case 'kibana-rule':
      return s.rule.status !== 'unchanged';
    case 'ilm-absent':
    case 'field-types':
    case 'kibana-skipped':
      return false;
    default:
      return s.status !== 'unchanged';
  }
}
