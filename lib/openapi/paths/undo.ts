import { adminOperation, errorResponse, jsonResponse, pathParameter, queryParameter, userOperation } from '../operations.js';
import type { Schema } from '../schemas.js';

const importId = pathParameter('id', 'the import id (`import_id` of the job or of a synchronous report)');

/** The answers of both undo routes (functions/undo-import.ts). */
const undoResponses = (admin: boolean): Record<string, Schema> => ({
  '200': jsonResponse('done: the undo’s report (again, unchanged, on every later request: nothing more is written)', 'UndoReport'),
  '202': jsonResponse(
    'a large undo goes on in the background after UNDO_REQUEST_BUDGET_MS: the counts so far (`status: running`); `status_url` shows its progress',
    'UndoReport',
  ),
  '400': errorResponse(
    admin ? '`username field is required`, `invalid username` or `invalid path`' : '`invalid path`: a malformed %-escape',
  ),
  '404': errorResponse(admin ? '`import not found`: that user has no such import' : '`import not found` (also another user’s import)'),
  '409': errorResponse('the import is still waiting for its upload or running: undo it when it has finished'),
});

/** README "Undo": every import that wrote can be undone, by its owner or the super admin. */
export const undoPaths: Record<string, Record<string, Schema>> = {
  '/phonebook/imports/{id}/undo': {
    post: userOperation({
      operationId: 'undoImport',
      tags: ['import jobs'],
      summary: 'Undo one of the caller’s imports: delete what it created, restore what it changed',
      description:
        'Contacts changed since the import are left as they are and counted in `conflicts`. Idempotent. A dry run has no `import_id` and nothing to undo.',
      parameters: [importId],
      responses: undoResponses(false),
    }),
  },
  '/admin/phonebook/imports/{id}/undo': {
    post: adminOperation({
      operationId: 'adminUndoImport',
      tags: ['admin'],
      summary: 'Undo any user’s import, named by its owner',
      parameters: [importId, queryParameter('username', { type: 'string' }, 'the import’s owner', true)],
      responses: undoResponses(true),
    }),
  },
};
