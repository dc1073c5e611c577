import { jsonResponse } from '../lib/http/responses.js';
import { createUploadJob, uploadOptions, uploadSize } from '../lib/jobs/create-jobs.js';
import { requireRegisteredUser } from '../lib/users.js';
import { adminRoute } from './layer/http-route.js';
import { jsonBody } from './layer/request.js';
import { uploadDeps } from './wiring/upload-jobs.js';
import { users } from './wiring/users.js';

/** POST /admin/phonebook/imports `{username, size}`: the same, into a registered user's phonebook. */
export const handler = adminRoute(
  async (event) => {
    const body = jsonBody(event);
    const owner = await requireRegisteredUser(body.username, users);
    const size = uploadSize(body, uploadDeps.settings);
    return jsonResponse(201, await createUploadJob(owner, size, uploadDeps, new Date(), uploadOptions(body)));
  },
  { limit: 'jobCreation' },
);
