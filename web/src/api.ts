import type { ImportPreview } from '../../lib/import/preview-types.js';
import type { ImportReport } from '../../lib/import/report.js';

/** An answer that was not 2xx, with the service's own words (`message`, and `error` on 400s). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface JobView {
  import_id: string;
  status: 'waiting_upload' | 'queued' | 'running' | 'completed' | 'failed';
  origin?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  progress: {
    rows_processed: number;
    imported_rows: number;
    failed_rows: number;
    skipped_rows: number;
    bytes_read: number;
    total_bytes: number;
    percent: number;
  };
  report?: ImportReport;
  failure_reason?: string;
  note?: string;
  errors_url?: string;
}

export interface CreatedJob {
  import_id: string;
  upload_url: string;
  upload_method: string;
  upload_headers: Record<string, string>;
}

/** What a sync import answers: the report, or 413 when the file belongs on the job path. */
export type SyncOutcome = { kind: 'report'; report: ImportReport } | { kind: 'too-large'; message: string };

async function bodyOf(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return { message: text.slice(0, 200) };
  }
}

function messageOf(status: number, body: Record<string, unknown>): string {
  const message = typeof body.message === 'string' ? body.message : `HTTP ${status}`;
  return typeof body.error === 'string' ? `${message}: ${body.error}` : message;
}

/** The service's API on the page's own origin, with the signed-in user's token. */
export class Api {
  constructor(private readonly token: string) {}

  private async send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.token}`);
    return fetch(path, { ...init, headers });
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.send(path, init);
    const body = await bodyOf(response);
    if (!response.ok) throw new ApiError(response.status, messageOf(response.status, body), body);
    return body as T;
  }

  listJobs(): Promise<{ imports: JobView[] }> {
    return this.json('/phonebook/imports?limit=20');
  }

  job(id: string): Promise<JobView> {
    return this.json(`/phonebook/imports/${encodeURIComponent(id)}`);
  }

  preview(file: Blob, fields: Record<string, string>): Promise<ImportPreview> {
    return this.json('/phonebook/import/preview', { method: 'POST', body: formOf(file, fields) });
  }

  /** The sync route; a report with every row rejected comes as 400 and is still a report. */
  async importSync(file: Blob, fields: Record<string, string>): Promise<SyncOutcome> {
    const response = await this.send('/phonebook/import', { method: 'POST', body: formOf(file, fields) });
    const body = await bodyOf(response);
    if (response.status === 413) return { kind: 'too-large', message: messageOf(413, body) };
    if (response.ok || (response.status === 400 && typeof body.total_rows === 'number')) {
      return { kind: 'report', report: body as unknown as ImportReport };
    }
    throw new ApiError(response.status, messageOf(response.status, body), body);
  }

  /** An import job for a file of `size` bytes, with the import options (mapping, delimiter, ...) of the form. */
  createJob(size: number, options: Record<string, string> = {}): Promise<CreatedJob> {
    return this.json('/phonebook/imports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size, ...options }),
    });
  }

  /** A CSV download of the API (export, errors.csv) as text. */
  async csv(path: string): Promise<string> {
    const response = await this.send(path);
    if (!response.ok) {
      const body = await bodyOf(response);
      throw new ApiError(response.status, messageOf(response.status, body), body);
    }
    return response.text();
  }
}

function formOf(file: Blob, fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', file, file instanceof File ? file.name : 'contacts.csv');
  return form;
}

/**
 * PUTs the file to its presigned URL with XMLHttpRequest, whose upload events (unlike fetch's)
 * report progress. Resolves when S3 accepted the whole file.
 */
export function uploadFile(job: CreatedJob, file: Blob, onProgress: (loaded: number, total: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(job.upload_method || 'PUT', job.upload_url);
    for (const [name, value] of Object.entries(job.upload_headers ?? {})) {
      // The browser sets these itself and refuses a script that tries.
      if (name.toLowerCase() === 'content-length' || name.toLowerCase() === 'host') continue;
      request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else reject(new Error(`the upload was refused (HTTP ${request.status})`));
    };
    request.onerror = () => reject(new Error('the upload failed: the storage could not be reached'));
    request.send(file);
  });
}

/** The JWT's claims, read without verifying (the service verifies): for the user's name and expiry in messages. */
export function claimsOf(token: string): { sub?: string; exp?: number; capabilities?: unknown } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return claims !== null && typeof claims === 'object' ? (claims as { sub?: string; exp?: number }) : undefined;
  } catch {
    return undefined;
  }
}
