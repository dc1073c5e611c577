import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { MINIMAL_CONFIG_ENV, REQUIRED_NAMES_ENV } from '../support/config-env.js';

const TABLES = REQUIRED_NAMES_ENV;
const BASE = MINIMAL_CONFIG_ENV;

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(BASE);
    expect(config.superAdminAllowList.entries).toEqual(['127.0.0.0/8']);
    expect(config.jwt.algorithms).toEqual(['HS256']);
    expect(config.writeConcurrency).toBe(4);
    expect(config.superAdminToken).toEqual({ value: 't' });
    expect(config.syncImportMaxRows).toBe(20_000);
    expect(config.limits).toEqual({
      rateWindowSeconds: 60,
      syncImportsPerWindow: 20,
      jobCreationsPerWindow: 10,
      bulkRequestsPerWindow: 60,
      maxConcurrentSyncImports: 2,
      syncImportSlotSeconds: 60,
      maxActiveJobs: 5,
      maxPendingUploadBytes: 2 * 1024 ** 3,
    });
  });

  it.each([
    [{ ...BASE, CONTACTS_TABLE: '' }, 'CONTACTS_TABLE is required but not set'],
    [{ ...BASE, SUPER_ADMIN_TOKEN: undefined }, 'SUPER_ADMIN_TOKEN or SUPER_ADMIN_TOKEN_PARAM is required'],
    [{ ...BASE, SUPER_ADMIN_TOKEN_PARAM: '/x' }, 'set either SUPER_ADMIN_TOKEN or SUPER_ADMIN_TOKEN_PARAM, not both'],
    [{ ...BASE, JWT_SECRET: undefined }, 'JWT_SECRET, JWT_SECRET_PARAM or JWT_JWKS_URL is required'],
    [{ ...BASE, IMPORT_WRITE_CONCURRENCY: '0' }, "IMPORT_WRITE_CONCURRENCY must be a whole number from 1 to 64, got '0'"],
    [{ ...BASE, JWT_ALGORITHMS: 'RS256' }, "JWT_ALGORITHMS: 'RS256' is not usable with the configured keys (HS256, HS384, HS512)"],
    [{ ...BASE, SUPER_ADMIN_ALLOW_IPS: '10.0.0.0/33' }, "SUPER_ADMIN_ALLOW_IPS: '10.0.0.0/33' is not an IP address or CIDR range"],
    [{ ...BASE, UPLOAD_BUCKET: undefined }, 'UPLOAD_BUCKET is required but not set'],
    [{ ...BASE, IMPORT_TIME_BUDGET_MS: 'soon' }, "IMPORT_TIME_BUDGET_MS must be a whole number from 1 to 900000, got 'soon'"],
    [{ ...BASE, IMPORT_ROWS_PER_INVOCATION: '0' }, "IMPORT_ROWS_PER_INVOCATION must be a whole number from 1 to 100000000, got '0'"],
    [{ ...BASE, LIMITS_TABLE: undefined }, 'LIMITS_TABLE is required but not set'],
    [{ ...BASE, SYNC_IMPORT_MAX_ROWS: '0' }, "SYNC_IMPORT_MAX_ROWS must be a whole number from 1 to 10000000, got '0'"],
    [{ ...BASE, RATE_LIMIT_SYNC_IMPORTS: '2.5' }, "RATE_LIMIT_SYNC_IMPORTS must be a whole number from 1 to 1000000, got '2.5'"],
    [{ ...BASE, MAX_CONCURRENT_SYNC_IMPORTS: 'many' }, "MAX_CONCURRENT_SYNC_IMPORTS must be a whole number from 1 to 100, got 'many'"],
    [{ ...BASE, SYNC_IMPORT_SLOT_SECONDS: '10' }, "SYNC_IMPORT_SLOT_SECONDS must be at least 30 (the function's 29 s timeout), got '10'"],
  ])('names the variable at fault (%#)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('takes secrets by SSM parameter name in the cloud', () => {
    const config = loadConfig({ ...TABLES, SUPER_ADMIN_TOKEN_PARAM: '/p/admin', JWT_SECRET_PARAM: '/p/jwt' });
    expect(config.superAdminToken).toEqual({ ssmParameter: '/p/admin' });
    expect(config.jwt.secret).toEqual({ ssmParameter: '/p/jwt' });
  });

  it('allows asymmetric algorithms with a JWKS URL', () => {
    const config = loadConfig({
      ...BASE,
      JWT_SECRET: undefined,
      JWT_JWKS_URL: 'https://idp.example/jwks.json',
      JWT_ALGORITHMS: 'RS256,ES256',
    });
    expect(config.jwt.algorithms).toEqual(['RS256', 'ES256']);
  });
});

describe('CORS_ORIGINS', () => {
  it('is no origin when unset or empty', () => {
    expect(loadConfig({ ...MINIMAL_CONFIG_ENV }).corsOrigins).toEqual([]);
    expect(loadConfig({ ...MINIMAL_CONFIG_ENV, CORS_ORIGINS: ' ' }).corsOrigins).toEqual([]);
  });

  it('reads a comma list of origins, trimmed and without repeats', () => {
    const config = loadConfig({
      ...MINIMAL_CONFIG_ENV,
      CORS_ORIGINS: 'https://cti.example.com, http://localhost:3000,https://cti.example.com',
    });
    expect(config.corsOrigins).toEqual(['https://cti.example.com', 'http://localhost:3000']);
  });

  it.each([
    'https://cti.example.com/',
    'https://cti.example.com/app',
    '*',
    'cti.example.com',
    'ftp://files.example.com',
    'https://*.example.com',
  ])('refuses %s, naming the variable', (entry) => {
    expect(() => loadConfig({ ...MINIMAL_CONFIG_ENV, CORS_ORIGINS: entry })).toThrow(/^CORS_ORIGINS: /);
  });
});
