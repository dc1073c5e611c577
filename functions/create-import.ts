import { jsonResponse } from '../lib/http/responses.js';
import { createUploadJob, uploadSize } from '../lib/jobs/create-jobs.js';
import { jsonBody, uploadDeps, userRoute } from './runtime.js';

/** POST /phonebook/imports `{size}`: an import job and a presigned PUT for its file. */
export const handler = userRoute(async (event, owner) => {
  const size = uploadSize(jsonBody(event), uploadDeps.settings);
  return jsonResponse(201, await createUploadJob(owner, size, uploadDeps));
}, { limit: 'jobCreation' });
