import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** What a conditional write came to: its output, or the answer that its condition did not hold. */
export type ConditionalOutcome<T> = { written: true; output: T } | { written: false };

/**
 * Sends one conditional write (`send` is the SDK call). A failed condition is an answer, not a
 * fault: "already exists", "the lease is someone else's", "over the limit". It resolves as
 * `{ written: false }`, so each port can turn it into its own result (false, undefined).
 * Every other error rejects as it came (the SDK has retried it if it was transient).
 */
export async function conditionalWrite<T>(send: () => Promise<T>): Promise<ConditionalOutcome<T>> {
  try {
    return { written: true, output: await send() };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return { written: false };
    throw error;
  }
}
