import { jsonResponse } from '../lib/http/responses.js';
import { createUploadJob, uploadSize } from '../lib/jobs/create-jobs.js';
import { userRoute } from './layer/http-route.js';
import { jsonBody } from './layer/request.js';
import { uploadDeps } from './wiring/upload-jobs.js';

/** POST /phonebook/imports `{size}`: an import job and a presigned PUT for its file. */
export const handler = userRoute(
  async (event, owner) => {
    const size = uploadSize(jsonBody(event), uploadDeps.settings);
    return jsonResponse(201, await createUploadJob(owner, size, uploadDeps));
  },
  { limit: 'jobCreation' },
);
