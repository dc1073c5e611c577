import { BadRequestError, NotFoundError } from '../lib/errors.js';
import { csvResponse, type HttpResponse, jsonResponse, seeOtherResponse } from '../lib/http/responses.js';
import { type ImportJob, isImportId } from '../lib/jobs/job.js';
import { jobView, rejectedRowsDownload } from '../lib/jobs/job-view.js';
import { validateUsername } from '../lib/users.js';
import { adminRoute, userRoute } from './layer/http-route.js';
import { pathParameter } from './layer/request.js';
import { files } from './wiring/files.js';
import { jobs } from './wiring/jobs.js';

function listLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new BadRequestError('invalid limit', "'limit' must be a whole number from 1 to 100");
  return limit;
}

/** The caller's job: another owner's job is as absent as a job that never existed. */
async function ownJob(owner: string, importId: string): Promise<ImportJob> {
  const job = isImportId(importId) ? await jobs.getJob(owner, importId) : undefined;
  if (!job) throw new NotFoundError('import not found');
  return job;
}

/** GET /phonebook/imports/{id} */
export const getImport = userRoute(async (event, owner) => {
  const job = await ownJob(owner, pathParameter(event, 'id'));
  return jsonResponse(200, jobView(job));
});

/** GET /phonebook/imports/{id}/errors.csv: every rejected row with its row number and reason. */
export const getImportErrors = userRoute(async (event, owner): Promise<HttpResponse> => {
  const download = await rejectedRowsDownload(await ownJob(owner, pathParameter(event, 'id')), files);
  if (download.kind === 'inline') return csvResponse(download.csv, download.filename);
  return seeOtherResponse(download.url, { message: 'rejected rows ready for download' });
});

/** GET /phonebook/imports: the caller's recent jobs, newest first. */
export const listImports = userRoute(async (event, owner) => {
  const list = await jobs.listJobs(owner, listLimit(event.queryStringParameters?.limit));
  return jsonResponse(200, { imports: list.map(jobView) });
});

/** GET /admin/phonebook/imports?username=: any username's jobs, registered or not (failed drops). */
export const adminListImports = adminRoute(async (event) => {
  const username = event.queryStringParameters?.username;
  if (!username) throw new BadRequestError('username field is required');
  const list = await jobs.listJobs(validateUsername(username), listLimit(event.queryStringParameters?.limit));
  return jsonResponse(200, { imports: list.map(jobView) });
});
