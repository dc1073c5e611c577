import { dynamoClient } from '../../lib/adapters/aws-clients.js';
import { DynamoJobStore } from '../../lib/adapters/dynamodb-jobs.js';
import { configSection } from '../../lib/config.js';

/** The import jobs table. */
export const jobs = new DynamoJobStore(dynamoClient(configSection('clients')), configSection('storage').jobsTable);
