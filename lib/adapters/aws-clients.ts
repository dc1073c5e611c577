import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
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
  return dynamo;
}

/** s3rver checks signatures, with its fixed default key pair. */
const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let s3: S3Client | undefined;

export function s3Client(config: Config): S3Client {
  s3 ??= new S3Client({
    region: config.region,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS } : {}),
    // s3rver does not understand the flexible checksums the SDK adds by default; streamed
    // uploads get corrupted. S3 itself needs none of them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return s3;
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
