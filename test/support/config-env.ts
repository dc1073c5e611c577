/**
 * The smallest environment `loadConfig` accepts: every required name set to a placeholder.
 * One list, so that a variable made required tomorrow is added in one place, not in each test.
 */
export const REQUIRED_NAMES_ENV: Readonly<Record<string, string>> = {
  CONTACTS_TABLE: 'c',
  USERS_TABLE: 'u',
  JOBS_TABLE: 'j',
  SOURCES_TABLE: 's',
  LIMITS_TABLE: 'l',
  UPLOAD_BUCKET: 'b',
  IMPORT_FUNCTION_NAME: 'f',
};

/** The same, with the two secrets, so that the whole configuration loads. */
export const MINIMAL_CONFIG_ENV: Readonly<Record<string, string>> = { ...REQUIRED_NAMES_ENV, SUPER_ADMIN_TOKEN: 't', JWT_SECRET: 's' };
