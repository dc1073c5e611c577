import type { Context } from 'aws-lambda';
import type { ContinueUndoEvent } from '../lib/adapters/lambda-trigger.js';
import { BadRequestError, NotFoundError } from '../lib/errors.js';
import { jsonResponse } from '../lib/http/responses.js';
import { isImportId } from '../lib/jobs/job.js';
import { type UndoResult, undoImport, undoView } from '../lib/jobs/undo-import.js';
import { logger } from '../lib/logger.js';
import { validateUsername } from '../lib/users.js';
import { eventHandler } from './layer/event-handler.js';
import { adminRoute, userRoute } from './layer/http-route.js';
import { pathParameter } from './layer/request.js';
import { undoDeps, undoRequestBudgetMs } from './wiring/undo.js';

/** Time kept back at the end of a worker invocation to save the undo's progress and hand over. */
const HANDOVER_MARGIN_MS = 30_000;

async function undoFor(owner: string, importId: string): Promise<UndoResult> {
  // An id that cannot be one is as absent as another owner's import.
  if (!isImportId(importId)) throw new NotFoundError('import not found');
  return undoImport(owner, importId, undoDeps, Date.now() + undoRequestBudgetMs);
}

/** 200 with the undo's report once done (again on every later request: a no-op), 202 while the worker goes on. */
function undoResponse(result: UndoResult, statusUrl: string) {
  const body = { import_id: result.job.importId, ...undoView(result.job), status_url: statusUrl };
  return jsonResponse(result.status === 'done' ? 200 : 202, body);
}

/** POST /phonebook/imports/{id}/undo: the caller's own import. */
export const handler = userRoute(async (event, owner) => {
  const importId = pathParameter(event, 'id');
  return undoResponse(await undoFor(owner, importId), `/phonebook/imports/${importId}`);
});

/** POST /admin/phonebook/imports/{id}/undo?username=: any user's import, named by its owner. */
export const adminHandler = adminRoute(async (event) => {
  const username = event.queryStringParameters?.username;
  if (!username) throw new BadRequestError('username field is required', "name the import's owner in the query: ?username=<owner>");
  const importId = pathParameter(event, 'id');
  return undoResponse(
    await undoFor(validateUsername(username), importId),
    `/admin/phonebook/imports?username=${encodeURIComponent(username)}`,
  );
});

/** The worker: continues an undo that outlasted its request, until done (invoking itself again when its time runs out). */
export const worker = eventHandler(async (event: ContinueUndoEvent, context: Context): Promise<void> => {
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 60_000;
  const deadline = Date.now() + Math.max(1_000, remaining - HANDOVER_MARGIN_MS);
  try {
    await undoImport(event.continueUndo.owner, event.continueUndo.importId, undoDeps, deadline);
  } catch (error) {
    // A job gone (expired) has nothing left to undo: retrying the event would not change that.
    if (!(error instanceof NotFoundError)) throw error;
    logger.warn('undo of an import that no longer exists ignored', { ...event.continueUndo });
  }
});
