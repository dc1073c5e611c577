import { jsonResponse } from '../lib/http/responses.js';
import { parseImportOptions } from '../lib/import/import-options.js';
import { createUploadJob, uploadSize } from '../lib/jobs/create-jobs.js';
import { userRoute } from './layer/http-route.js';
import { jsonBody } from './layer/request.js';
import { uploadDeps } from './wiring/upload-jobs.js';

/** POST /phonebook/imports `{size, delimiter?, mapping?, dry_run?, empty_cells?, mode?, encoding?, sheet?}`: an import job and a presigned PUT for its file. */
export const handler = userRoute(
  async (event, owner) => {
    const body = jsonBody(event);
    const size = uploadSize(body, uploadDeps.settings);
    return jsonResponse(201, await createUploadJob(owner, size, uploadDeps, new Date(), parseImportOptions(body)));
  },
  { limit: 'jobCreation' },
);
