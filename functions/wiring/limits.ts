import { dynamoClient } from '../../lib/adapters/aws-clients.js';
import { DynamoLimitStore } from '../../lib/adapters/dynamodb-limits.js';
import { configSection } from '../../lib/config.js';
import type { RouteLimitDeps } from '../../lib/limits/route-limits.js';

let built: RouteLimitDeps | undefined;

/**
 * The rate counters and in-flight slots, and the limits' settings: built when a limited route
 * is declared (at cold start), so a route without limits neither reads LIMITS_TABLE nor
 * builds the store.
 */
export function limitDepsOf(): RouteLimitDeps {
  built ??= {
    store: new DynamoLimitStore(dynamoClient(configSection('clients')), configSection('limits').limitsTable),
    settings: configSection('limits').limits,
  };
  return built;
}
