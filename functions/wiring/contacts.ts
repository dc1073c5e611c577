import { dynamoClient } from '../../lib/adapters/aws-clients.js';
import { DynamoContactRepository } from '../../lib/adapters/dynamodb-contacts.js';
import { configSection } from '../../lib/config.js';

/** The contacts table, for the functions that read or write contacts (built on first import). */
export const contacts = new DynamoContactRepository(dynamoClient(configSection('clients')), configSection('storage').contactsTable);
