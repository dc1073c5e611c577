import { jsonResponse } from '../lib/http/responses.js';
import { createUploadJob, uploadOptions, uploadSize } from '../lib/jobs/create-jobs.js';
import { userRoute } from './layer/http-route.js';
import { jsonBody } from './layer/request.js';
import { uploadDeps } from './wiring/upload-jobs.js';

/** POST /phonebook/imports `{size, sheet?}`: an import job and a presigned PUT for its file. */
export const handler = userRoute(
  async (event, owner) => {
    const body = jsonBody(event);
    const size = uploadSize(body, uploadDeps.settings);
    return jsonResponse(201, await createUploadJob(owner, size, uploadDeps, new Date(), uploadOptions(body)));
  },
  { limit: 'jobCreation' },
);
