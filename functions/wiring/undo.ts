import { lambdaClient } from '../../lib/adapters/aws-clients.js';
import { LambdaUndoTrigger } from '../../lib/adapters/lambda-trigger.js';
import { configSection } from '../../lib/config.js';
import type { UndoDeps } from '../../lib/jobs/undo-import.js';
import { contacts } from './contacts.js';
import { files } from './files.js';
import { jobs } from './jobs.js';

const undo = configSection('undo');

/** What an undo runs with: the job record, its change log, the contacts it restores, and its continuation. */
export const undoDeps: UndoDeps = {
  jobs,
  files,
  restorer: contacts,
  trigger: new LambdaUndoTrigger(lambdaClient(configSection('clients')), undo.undoFunctionName),
  settings: { concurrency: undo.undoConcurrency },
};

export const undoRequestBudgetMs = undo.undoRequestBudgetMs;
