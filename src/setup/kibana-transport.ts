import { request as httpsRequest } from 'node:https';

/** One HTTP request to Kibana, body already encoded. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** What the Kibana client reads of a response. */
export interface HttpResponse {
  status: number;
  text: string;
  /** The Location header of a redirect, which the client reports instead of following. */
  location?: string | undefined;
}

/** Sends one request; rejects only when no response arrived (connection refused, timeout, TLS). */
export type Transport = (request: HttpRequest, timeoutMs: number) => Promise<HttpResponse>;

/** Node's global fetch: the default, for http:// and for https:// with publicly trusted certificates. */
export const fetchTransport: Transport = async (req, timeoutMs) => {
  const res = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
    signal: AbortSignal.timeout(timeoutMs),
    // Never follow: a redirect would resend the credentials to wherever it points.
    redirect: 'manual',
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') ?? undefined };
};

/**
 * node:https with a private CA (`kibana.caFile`). Node 20's fetch cannot take a CA without the
 * undici package, so this one case goes through the https module; the bytes sent are the same.
 */
export function caTransport(ca: string): Transport {
  return (req, timeoutMs) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const headers = { ...req.headers, ...(req.body !== undefined ? { 'content-length': String(req.body.byteLength) } : {}) };
      const r = httpsRequest(req.url, { method: req.method, headers, ca, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), location: res.headers.location }));
        res.on('error', reject);
      });
      r.on('timeout', () => r.destroy(new Error(`no response within ${timeoutMs} ms`)));
      r.on('error', reject);
      r.end(req.body);
    });
}

/**
 * Encodes a multipart/form-data body with one `file` part, the way a browser would: the
 * global FormData and Blob, serialised by the global Response so the boundary header matches.
 */
export async function multipartFile(field: string, filename: string, content: string, type: string): Promise<{ body: Uint8Array; contentType: string }> {
  const form = new FormData();
  form.append(field, new Blob([content], { type }), filename);
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type');
  if (contentType === null) throw new Error('FormData produced no content-type');
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType };
}
