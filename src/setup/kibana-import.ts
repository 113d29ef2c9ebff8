import { basename } from 'node:path';
import { KibanaError } from './errors.js';
import type { ImportFailure, ImportResponse, KibanaClient } from './kibana-client.js';
import { isUnchanged, savedObjectsFile, titleOf, toNdjson, type SavedObjectDoc } from './saved-objects.js';

/** What happened to one saved object. */
export interface KibanaObjectReport {
  type: string;
  id: string;
  title: string;
  status: 'created' | 'updated' | 'unchanged';
  /** Set when Kibana stored the object under another id (an object with this id exists in another space). */
  destinationId?: string;
}

/**
 * Brings the saved objects in Kibana up to the file: looks every object up first and imports
 * only the missing ones and those whose version marker differs, so a second run imports
 * nothing and reports every object unchanged. Any object Kibana rejects fails the whole step.
 */
export async function importSavedObjects(client: KibanaClient, objects: readonly SavedObjectDoc[]): Promise<KibanaObjectReport[]> {
  const stored = await client.exportObjects(objects);
  const reports: KibanaObjectReport[] = objects.map((o, i) => {
    const found = stored[i];
    const status = found === undefined || !found.found ? 'created' : isUnchanged(o, found.attributes) ? 'unchanged' : 'updated';
    return { type: o.type, id: o.id, title: titleOf(o), status };
  });
  const toImport = objects.filter((_o, i) => reports[i]?.status !== 'unchanged');
  if (toImport.length === 0) return reports;

  const res = await client.importNdjson(toNdjson(toImport), basename(savedObjectsFile));
  const failures = res.errors ?? [];
  if (res.success !== true || failures.length > 0) {
    const detail = failures.length > 0 ? failures.map(describeFailure).join('; ') : 'no errors listed';
    throw new KibanaError(`importing the saved objects into ${client.displayUrl} (space ${client.space}): Kibana rejected the import: ${detail}`, { retryable: false });
  }
  return reports.map((r) => (r.status === 'unchanged' ? r : withResult(r, res)));
}

function withResult(report: KibanaObjectReport, res: ImportResponse): KibanaObjectReport {
  const result = res.successResults?.find((s) => s.type === report.type && s.id === report.id);
  if (result === undefined) {
    throw new KibanaError(`importing the saved objects: expected ${report.type}/${report.id} among the imported objects, Kibana did not list it`, { retryable: false });
  }
  return result.destinationId !== undefined && result.destinationId !== report.id ? { ...report, destinationId: result.destinationId } : report;
}

function describeFailure(f: ImportFailure): string {
  const missing = f.error.references?.map((r) => `${r.type}/${r.id}`).join(', ');
  return [
    `${f.type}/${f.id} ${f.error.type}`,
    f.error.message !== undefined ? `: ${f.error.message}` : '',
    missing !== undefined && missing !== '' ? ` (missing ${missing})` : '',
  ].join('');
}
