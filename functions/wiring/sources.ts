import { dynamoClient } from '../../lib/adapters/aws-clients.js';
import { DynamoSourceStore } from '../../lib/adapters/dynamodb-sources.js';
import { configSection } from '../../lib/config.js';

/** The scheduled re-import sources. */
export const sources = new DynamoSourceStore(dynamoClient(configSection('clients')), configSection('storage').sourcesTable);
