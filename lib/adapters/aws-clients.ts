import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Config, SecretRef } from '../config.js';

/** Placeholder credentials for the embedded servers, which accept any. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let dynamo: DynamoDBClient | undefined;
let ssm: SSMClient | undefined;

/** One client per container, reused across invocations. */
export function dynamoClient(config: Config): DynamoDBClient {
  dynamo ??= new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: 3,
  });
  // The SDK's logger middleware copies every request and response through a redaction filter
  // for its logger, even the default no-op one: a fifth of the client's CPU on 25-item batch
  // writes. The service logs through lib/logger.ts and never logs items.
  dynamo.middlewareStack.remove('loggerMiddleware');
  return dynamo;
}

const secretCache = new Map<string, Promise<string>>();

/** Resolves a secret once per container: from the environment locally, from SSM in AWS. */
export function resolveSecret(config: Config, ref: SecretRef): Promise<string> {
  if ('value' in ref) return Promise.resolve(ref.value);
  let cached = secretCache.get(ref.ssmParameter);
  if (!cached) {
    ssm ??= new SSMClient({ region: config.region });
    const client = ssm;
    cached = client
      .send(new GetParameterCommand({ Name: ref.ssmParameter, WithDecryption: true }))
      .then((result) => {
        const value = result.Parameter?.Value;
        if (!value) throw new Error(`SSM parameter ${ref.ssmParameter} is empty`);
        return value;
      });
    // A failed lookup is not cached: the next invocation tries again.
    cached.catch(() => secretCache.delete(ref.ssmParameter));
    secretCache.set(ref.ssmParameter, cached);
  }
  return cached;
}
