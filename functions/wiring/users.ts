import { dynamoClient } from '../../lib/adapters/aws-clients.js';
import { DynamoUserRepository } from '../../lib/adapters/dynamodb-users.js';
import { configSection } from '../../lib/config.js';

/** The registered users, for the functions that register or look up a user. */
export const users = new DynamoUserRepository(dynamoClient(configSection('clients')), configSection('storage').usersTable);
