import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { MINIMAL_CONFIG_ENV } from '../support/config-env.js';

const BASE = MINIMAL_CONFIG_ENV;

describe('STORAGE_RETRY_BASE_DELAY_MS', () => {
  it('defaults to 50 ms in production', () => {
    expect(loadConfig(BASE).storageRetryBaseDelayMs).toBe(50);
  });

  it('takes a shorter base from the environment', () => {
    expect(loadConfig({ ...BASE, STORAGE_RETRY_BASE_DELAY_MS: '2' }).storageRetryBaseDelayMs).toBe(2);
  });

  it.each(['0', '-5', '1.5', 'fast', '10001'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ ...BASE, STORAGE_RETRY_BASE_DELAY_MS: value })).toThrow(
      `STORAGE_RETRY_BASE_DELAY_MS must be a whole number from 1 to 10000, got '${value}'`,
    );
  });
});
