import { configSection } from '../../lib/config.js';
import type { JobRunnerDeps } from '../../lib/jobs/run-import-job.js';
import { contacts } from './contacts.js';
import { files } from './files.js';
import { jobs } from './jobs.js';
import { sources } from './sources.js';
import { trigger } from './trigger.js';

const imports = configSection('imports');
const jobSettings = configSection('jobs');

/** Everything the import function runs a job with. */
export const jobRunnerDeps: JobRunnerDeps = {
  jobs,
  files,
  writer: contacts,
  trigger,
  sources,
  cleaner: contacts,
  settings: {
    writeConcurrency: imports.writeConcurrency,
    maxErrorMessages: imports.maxErrorMessages,
    maxUploadBytes: jobSettings.maxUploadBytes,
    checkpointEveryRows: jobSettings.importCheckpointRows,
    ...(jobSettings.importRowsPerInvocation === undefined ? {} : { rowsPerInvocation: jobSettings.importRowsPerInvocation }),
    leaseMs: jobSettings.importLeaseMs,
  },
};
