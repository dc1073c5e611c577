import { lambdaClient } from '../../lib/adapters/aws-clients.js';
import { LambdaImportTrigger } from '../../lib/adapters/lambda-trigger.js';
import { configSection } from '../../lib/config.js';

/** Starts or continues an import job in a new asynchronous invocation of the import function. */
export const trigger = new LambdaImportTrigger(lambdaClient(configSection('clients')), configSection('jobs').importFunctionName);
