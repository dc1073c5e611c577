import { configSection } from '../../lib/config.js';
import { files } from './files.js';
import { jobs } from './jobs.js';

const { maxActiveJobs, maxPendingUploadBytes } = configSection('limits').limits;

/** Job creation through the API: every new job is checked against its owner's quota first. */
export const uploadDeps = {
  jobs,
  quota: { maxActiveJobs, maxPendingUploadBytes },
  files,
  settings: { maxUploadBytes: configSection('jobs').maxUploadBytes, uploadUrlTtlSeconds: configSection('jobs').uploadUrlTtlSeconds },
};
