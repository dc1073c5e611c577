import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Config, SecretRef } from '../config.js';

/** Placeholder credentials for the embedded DynamoDB and Lambda endpoints, which accept any. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The embedded S3 server checks signatures against its default key pair. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let dynamo: DynamoDBClient | undefined;
let ssm: SSMClient | undefined;
let s3: S3Client | undefined;
let lambda: LambdaClient | undefined;

export function s3Client(config: Config): S3Client {
  s3 ??= new S3Client({
    region: config.region,
    // Checksums only where S3 requires them: the embedded server corrupts streamed uploads
    // otherwise, and presigned PUTs must not carry an empty-body checksum.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS } : {}),
  });
  return s3;
}

export function lambdaClient(config: Config): LambdaClient {
  lambda ??= new LambdaClient({
    region: config.region,
    ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  return lambda;
}

/** One client per container, reused across invocations. */
export function dynamoClient(config: Config): DynamoDBClient {
  if (!dynamo) {
    dynamo = new DynamoDBClient({
      region: config.region,
      ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
      maxAttempts: 3,
    });
    // The SDK's logger middleware copies every request and response through a redaction filter
    // for its logger, even the default no-op one: a fifth of the client's CPU on 25-item batch
    // writes. The service logs through lib/logger.ts and never logs items.
    dynamo.middlewareStack.remove('loggerMiddleware');
  }
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
