/**
 * Counters and slots the limits keep between invocations (a DynamoDB table in the cloud and
 * locally). Each call is one conditional write, so concurrent invocations cannot overshoot.
 */
export interface LimitStore {
  /**
   * Adds one hit to `counter` unless it already holds `max`; false when it did. The counter
   * may be deleted after `expiresAtSeconds` (epoch seconds), once its window is over.
   */
  countHit(counter: string, max: number, expiresAtSeconds: number): Promise<boolean>;
  /**
   * Takes slot `index` of `pool` for `holder` until `leaseUntilMs`, unless another holder's
   * lease there is still running at `nowMs`; false when it is. A lease that ran out (its
   * import died without releasing it) is taken over, so a slot never leaks.
   */
  takeSlot(pool: string, index: number, holder: string, nowMs: number, leaseUntilMs: number): Promise<boolean>;
  /** Frees the slot if `holder` still has it. */
  releaseSlot(pool: string, index: number, holder: string): Promise<void>;
}
