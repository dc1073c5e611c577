import { createHash } from 'node:crypto';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';
import { checkJobQuota, type JobQuota } from '../limits/job-quota.js';
import { logger } from '../logger.js';
import type { FileStore, JobStore, UserRepository } from '../storage/ports.js';
import { parseSheetField } from '../import/sheet-option.js';
import { EMPTY_PROGRESS, type ImportJob, newImportId, objectKeys } from './job.js';

export interface UploadSettings {
  maxUploadBytes: number;
  uploadUrlTtlSeconds: number;
}

export interface CreatedUpload {
  import_id: string;
  upload_url: string;
  upload_method: 'PUT';
  upload_headers: { 'content-length': string };
  expires_at: string;
  status_url: string;
  max_bytes: number;
}

/** A job's import options from its JSON body: `sheet`, a workbook's sheet by name (the first when absent). */
export function uploadOptions(body: unknown): { sheet?: string } {
  const sheet = (body as { sheet?: unknown } | null)?.sheet;
  if (sheet === undefined || sheet === null) return {};
  if (typeof sheet !== 'string') throw new BadRequestError('invalid sheet', "'sheet' must be the name of a workbook sheet");
  const parsed = parseSheetField(sheet);
  return parsed ? { sheet: parsed } : {};
}

/** The declared size of the file to upload: required, a whole number, within the limit. */
export function uploadSize(body: unknown, settings: UploadSettings): number {
  const size = (body as { size?: unknown } | null)?.size;
  if (size === undefined) {
    throw new BadRequestError('size is required', 'send {"size": <bytes>}: the exact size of the file, which the upload URL is signed for');
  }
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new BadRequestError('invalid size', "'size' must be the file's size in bytes, a whole number of at least 1");
  }
  if (size > settings.maxUploadBytes) {
    throw new PayloadTooLargeError(`file too large: ${size} bytes; the limit is ${settings.maxUploadBytes} bytes`);
  }
  return size;
}

/**
 * Creates an import job waiting for its upload, and a presigned PUT for exactly one key under
 * the owner's prefix: the owner comes from the caller's identity, never from the request, so
 * nobody can write into another owner's files. The owner's job quota is checked first
 * (TooManyRequestsError, PayloadTooLargeError).
 */
export async function createUploadJob(
  owner: string,
  size: number,
  deps: { jobs: JobStore; files: FileStore; settings: UploadSettings; quota: JobQuota },
  now = new Date(),
  options: { sheet?: string } = {},
): Promise<CreatedUpload> {
  const importId = newImportId(now);
  const objectKey = objectKeys.upload(owner, importId);
  const expiresAt = new Date(now.getTime() + deps.settings.uploadUrlTtlSeconds * 1000).toISOString();
  const job: ImportJob = {
    owner,
    importId,
    status: 'waiting_upload',
    origin: 'upload',
    objectKey,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    uploadExpiresAt: expiresAt,
    totalBytes: size,
    progress: { ...EMPTY_PROGRESS },
    invocations: 0,
    ...(options.sheet ? { sheet: options.sheet } : {}),
  };
  await checkJobQuota(deps.jobs, job, deps.quota);
  await deps.jobs.createJob(job);
  const uploadUrl = await deps.files.presignUpload(objectKey, { contentLength: size, expiresInSeconds: deps.settings.uploadUrlTtlSeconds });
  logger.info('upload job created', { owner, importId, size });
  return {
    import_id: importId,
    upload_url: uploadUrl,
    upload_method: 'PUT',
    upload_headers: { 'content-length': String(size) },
    expires_at: expiresAt,
    status_url: `/phonebook/imports/${importId}`,
    max_bytes: deps.settings.maxUploadBytes,
  };
}

export interface DroppedObject {
  key: string;
  etag: string;
  size: number;
  /** S3's per-key event order token; with the ETag it names one write of the object. */
  sequencer: string;
  eventTime: Date;
}

/**
 * A file dropped under drop/<username>/ becomes a job of that user. The job id derives from
 * the object's key, ETag and sequencer, so a redelivered event finds the same job. An unknown
 * user makes the job fail with the reason; the file itself is never touched.
 */
export async function createDropJob(
  owner: string,
  object: DroppedObject,
  deps: { jobs: JobStore; users: UserRepository },
): Promise<{ importId: string; runnable: boolean }> {
  const seed = createHash('sha256').update(`${object.key}\u0000${object.etag}\u0000${object.sequencer}`).digest('hex');
  const importId = newImportId(object.eventTime, seed);
  const known = (await deps.users.findUser(owner)) !== undefined;
  const now = new Date().toISOString();
  const job: ImportJob = {
    owner,
    importId,
    status: known ? 'queued' : 'failed',
    origin: 'drop',
    objectKey: object.key,
    createdAt: now,
    updatedAt: now,
    totalBytes: object.size,
    etag: object.etag,
    progress: { ...EMPTY_PROGRESS },
    invocations: 0,
    ...(known ? {} : { failureReason: `user '${owner}' is not registered; the file was kept at ${object.key}`, finishedAt: now }),
  };
  const created = await deps.jobs.createJob(job);
  if (!created) logger.info('drop job already exists (event delivered again)', { owner, importId });
  return { importId, runnable: known };
}
