import type { Config } from '../config/schema.js';
import { alertSourceIndex } from '../sink/alert-source.js';
import { ECS_FIELD_TYPES, fieldTypeProbe } from '../sink/field-types.js';
import { alertsTemplateBody, findingsTemplateBody } from '../sink/findings-index.js';
import { ruleBody, USER_OWNED_FIELDS } from './detection-rule.js';
import { findingsIlmPolicy, lifecycleSettings } from './ilm.js';
import { createKibanaClient } from './kibana-client.js';
import { ruleCreateRequest, ruleLookupRequest } from './rule-install.js';
import { loadSavedObjects, savedObjectsFile } from './saved-objects.js';
import { basename } from 'node:path';

/** One request `setup` would make, as `setup --dry-run --json` prints it. */
export interface PlannedRequest {
  service: 'elasticsearch' | 'kibana';
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** The path on the service (for Kibana: after the Kibana URL, with `/s/<space>` for another space). */
  path: string;
  /** The body: JSON as JSON; the multipart import as the file name and its objects; null for none. */
  body: unknown;
  /** When `setup` sends it: what it finds decides (it always sends the reads). */
  when?: string;
}

/**
 * Every request `setup` makes on a cluster and Kibana where nothing of ours exists yet, in
 * order, built by the same functions the real run uses. Sends nothing and opens no connection:
 * the answers that decide between branches are unknown, so each conditional request says when
 * it is sent; the templates and the rule are shown with the ECS field types (wildcard,
 * match_only_text), which `setup` replaces by keyword and text on a cluster without them, and
 * the template without ILM settings, which `setup` adds where the cluster has ILM.
 */
export function planSetup(config: Config): PlannedRequest[] {
  const alias = config.sink.findingsAlias;
  const policy = config.sink.ilmPolicy;
  const alerts = alertSourceIndex(alias);
  const es = (method: PlannedRequest['method'], path: string, body: unknown, when?: string): PlannedRequest => ({ service: 'elasticsearch', method, path, body: body ?? null, ...(when !== undefined ? { when } : {}) });
  const out: PlannedRequest[] = [
    es('GET', '/_ilm/status', null),
    es('GET', `/_ilm/policy/${policy}`, null, 'the cluster has ILM'),
    es('PUT', `/_ilm/policy/${policy}`, { policy: findingsIlmPolicy(config.sink) }, 'the cluster has ILM and the policy is missing or differs'),
    es('POST', '/_index_template/_simulate', fieldTypeProbe('wildcard')),
    es('POST', '/_index_template/_simulate', fieldTypeProbe('match_only_text')),
    es('GET', `/_index_template/${alias}`, null),
    es('PUT', `/_index_template/${alias}`, withoutName(findingsTemplateBody(alias, ECS_FIELD_TYPES)), `the template is missing or older (with ILM, its settings also carry ${JSON.stringify(lifecycleSettings(policy, alias))})`),
    es('HEAD', `/${alias}`, null),
    es('PUT', `/${alias}-000001`, { aliases: { [alias]: { is_write_index: true } } }, 'the write alias is missing'),
    es('GET', `/${alias}/_mapping`, null, 'the template was updated and the alias exists'),
    es('PUT', `/${alias}-000001/_mapping`, { properties: '(the fields of the new template this index does not map yet)' }, 'the template was updated: once per index behind the alias'),
    es('GET', `/${alias}-000001/_settings?flat_settings=true`, null, 'the cluster has ILM'),
    es('PUT', `/${alias}-000001/_settings`, { settings: lifecycleSettings(policy, alias) }, 'the cluster has ILM and the write index lacks the policy'),
    es('GET', `/_index_template/${alerts}`, null),
    es('PUT', `/_index_template/${alerts}`, withoutName(alertsTemplateBody(alias, ECS_FIELD_TYPES)), 'the template is missing or older'),
    es('HEAD', `/${alerts}`, null),
    es('PUT', `/${alerts}`, null, 'the alert-source index is missing'),
  ];
  const kibana = createKibanaClient(config.kibana);
  if (kibana === undefined) return out;
  const space = kibana.space === 'default' ? '' : `/s/${kibana.space}`;
  const kb = (method: PlannedRequest['method'], path: string, body: unknown, when?: string): PlannedRequest => ({ service: 'kibana', method, path: `${space}/${path}`, body: body ?? null, ...(when !== undefined ? { when } : {}) });
  const objects = loadSavedObjects(alias, kibana.space);
  const rule = ruleBody(alias, ECS_FIELD_TYPES);
  const lookup = ruleLookupRequest(rule.rule_id);
  const create = ruleCreateRequest(rule);
  out.push(
    kb('POST', 'api/saved_objects/_export', { objects: objects.map(({ type, id }) => ({ type, id })), includeReferencesDeep: false, excludeExportDetails: true }),
    kb('POST', 'api/saved_objects/_import?overwrite=true', { file: basename(savedObjectsFile), objects }, 'an object is missing or carries another version marker (only those objects are sent, as multipart/form-data)'),
    kb(lookup.method, lookup.path, lookup.body),
    kb(
      create.method,
      create.path,
      create.body,
      `no rule with rule_id ${rule.rule_id} is in the space; when one of a lower version is, the same body goes with PUT instead, carrying over the installed ${USER_OWNED_FIELDS.join(', ')}`,
    ),
  );
  return out;
}

function withoutName<T extends { name: string }>(body: T): Omit<T, 'name'> {
  const { name: _name, ...rest } = body;
  return rest;
}
