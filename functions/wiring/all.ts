/**
 * Every adapter and the whole configuration at once, for tests and tools (bench/) that drive
 * the functions' own wiring. No function imports this: each imports only what it uses.
 */
import { type Config, loadConfig } from '../../lib/config.js';

export const config: Config = loadConfig();
export { contacts } from './contacts.js';
export { files } from './files.js';
export { jobRunnerDeps } from './job-runner.js';
export { jobs } from './jobs.js';
export { sources } from './sources.js';
export { importDeps } from './sync-import.js';
export { trigger } from './trigger.js';
export { uploadDeps } from './upload-jobs.js';
export { users } from './users.js';
