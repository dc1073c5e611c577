import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { conditionalWrite } from '../../lib/adapters/dynamodb-conditional-write.js';

describe('conditionalWrite', () => {
  it('resolves with the output when the write happened', async () => {
    expect(await conditionalWrite(async () => ({ Attributes: { id: { S: 'a' } } }))).toEqual({
      written: true,
      output: { Attributes: { id: { S: 'a' } } },
    });
  });

  it('turns a failed condition into an answer', async () => {
    const refused = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    expect(await conditionalWrite(() => Promise.reject(refused))).toEqual({ written: false });
  });

  it('rejects with any other error as it came', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    await expect(conditionalWrite(() => Promise.reject(throttled))).rejects.toBe(throttled);
    const bug = new TypeError('not a function');
    await expect(conditionalWrite(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
