import { configSection } from '../../lib/config.js';
import { contacts } from './contacts.js';
import { files } from './files.js';
import { jobs } from './jobs.js';

/** What a synchronous import (user or admin route) writes with, where it is recorded, and how far it may go. */
export const importDeps = {
  writer: contacts,
  writeConcurrency: configSection('imports').writeConcurrency,
  maxErrorMessages: configSection('imports').maxErrorMessages,
  maxRows: configSection('imports').syncImportMaxRows,
  jobs,
  files,
};
