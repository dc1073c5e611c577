import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { ClientSettings, SecretRef } from '../config.js';
import { backoffDelayMs, type FailureKind, type RetryPolicy, retryPolicyOf, shouldRetry } from '../storage/retry.js';

/** Placeholder credentials for the embedded DynamoDB and Lambda endpoints, which accept any. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The embedded S3 server checks signatures against its default key pair. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

type RetryStrategy = Extract<NonNullable<DynamoDBClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategy['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategy['refreshRetryTokenForRetry']>[1];

/**
 * The one retry policy for thrown errors, plugged into every client's retry middleware: the
 * SDK classifies each error (throttling, transient, server, client) and we decide with
 * `shouldRetry` and wait `backoffDelayMs`. Unlike the SDK's standard and adaptive strategies
 * it keeps no shared retry quota: that quota (500 tokens, 14 per transient retry, 5 per
 * throttling retry, 1 back per first-try success) drains at a sustained 30 % fault rate
 * (≈ -1.1 tokens a request), after which every retry of the client is refused and a request
 * fails at its first fault, which is how 3 of 10 imports failed in issue 9. The bound is
 * per request instead: `maxAttempts` with capped, jittered delays (lib/storage/retry.ts).
 */
export class StorageRetryStrategy implements RetryStrategy {
  constructor(readonly policy: RetryPolicy) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return retryToken(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const attempts = token.getRetryCount() + 1;
    if (!shouldRetry(errorInfo.errorType as FailureKind, attempts, this.policy))
      throw new Error('no retry: not transient, or attempts spent');
    let delay = backoffDelayMs(attempts, this.policy);
    // A server's Retry-After is honoured up to the policy's cap.
    if (errorInfo.retryAfterHint instanceof Date) {
      delay = Math.max(delay, Math.min(errorInfo.retryAfterHint.getTime() - Date.now(), this.policy.maxDelayMs));
    }
    return retryToken(attempts, delay);
  }

  recordSuccess(): void {}
}

function retryToken(retryCount: number, delayMs: number): RetryToken {
  return { getRetryCount: () => retryCount, getRetryDelay: () => delayMs };
}

/** The retry settings every client gets, so that all of them follow one policy. */
function retrySettingsOf(config: ClientSettings): { maxAttempts: number; retryStrategy: StorageRetryStrategy } {
  const policy = retryPolicyOf(config.storageRetryBaseDelayMs);
  return { maxAttempts: policy.maxAttempts, retryStrategy: new StorageRetryStrategy(policy) };
}

/**
 * The policy a client retries thrown errors with; adapters use it for UnprocessedItems too.
 * Undefined for a client built elsewhere (a test's scripted client).
 */
export async function retryPolicyOfClient(client: {
  config?: { retryStrategy?: () => Promise<unknown> };
}): Promise<RetryPolicy | undefined> {
  const strategy = await client.config?.retryStrategy?.();
  return strategy instanceof StorageRetryStrategy ? strategy.policy : undefined;
}

let dynamo: DynamoDBClient | undefined;
let ssm: SSMClient | undefined;
let s3: S3Client | undefined;
let lambda: LambdaClient | undefined;

export function s3Client(config: ClientSettings): S3Client {
  s3 ??= new S3Client({
    region: config.region,
    ...retrySettingsOf(config),
    // Checksums only where S3 requires them: the embedded server corrupts streamed uploads
    // otherwise, and presigned PUTs must not carry an empty-body checksum.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS } : {}),
  });
  return s3;
}

export function lambdaClient(config: ClientSettings): LambdaClient {
  lambda ??= new LambdaClient({
    region: config.region,
    ...retrySettingsOf(config),
    ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  return lambda;
}

/** One client per container, reused across invocations. */
export function dynamoClient(config: ClientSettings): DynamoDBClient {
  if (!dynamo) {
    dynamo = new DynamoDBClient({
      region: config.region,
      ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
      ...retrySettingsOf(config),
    });
    // The SDK's logger middleware copies every request and response through a redaction filter
    // for its logger, even the default no-op one: a fifth of the client's CPU on 25-item batch
    // writes. The service logs through lib/logger.ts and never logs items.
    dynamo.middlewareStack.remove('loggerMiddleware');
  }
  return dynamo;
}

/**
 * How long a secret read from SSM is reused before it is read again: a rotated token or JWT
 * secret takes effect within this time in every warm container, without a cold start, and a
 * busy container asks SSM once per this time, not per request.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

let secrets: SSMProvider | undefined;

/**
 * A secret: from the environment locally, from SSM in AWS through Powertools Parameters, which
 * caches it for `SECRET_MAX_AGE_SECONDS` and does not cache a failed read (the next call tries
 * again).
 */
export async function resolveSecret(config: ClientSettings, ref: SecretRef): Promise<string> {
  if ('value' in ref) return ref.value;
  ssm ??= new SSMClient({
    region: config.region,
    ...retrySettingsOf(config),
    ...(config.ssmEndpoint ? { endpoint: config.ssmEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  secrets ??= new SSMProvider({ awsSdkV3Client: ssm });
  const value = await secrets.get(ref.ssmParameter, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS });
  if (!value) throw new Error(`SSM parameter ${ref.ssmParameter} is empty`);
  return value;
}
