import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deployedFunctionName } from './environment.js';
import { FunctionWorkerHandle } from './function-worker-handle.js';
import type { ServiceDefinition } from './service-definition.js';

/**
 * Lambda waits about 1 and 2 minutes before its two retries; locally 2 and 8 seconds, long
 * enough for a restarted server, short enough for a test to wait for.
 */
export const LOCAL_ASYNC_RETRY_DELAYS_MS: readonly number[] = [2_000, 8_000];

/**
 * Lambda runs up to 1,000 environments of a function at once; each worker here is a V8
 * isolate with the SDK loaded (about 70 MB and half a second of CPU to start), so beyond this
 * many concurrent invocations of one function the next waits for a worker to be free.
 */
export const LOCAL_MAX_WORKERS_PER_FUNCTION = 16;

/** What the gateway and the Lambda endpoint need of the functions (tests may stand in for it). */
export interface FunctionInvoker {
  invoke(name: string, event: unknown): Promise<unknown>;
}

export interface LocalFunctionsOptions {
  /** A function's environment variables (local/environment.ts `functionEnvironmentOf`), read at its first cold start. */
  environmentOf(functionName: string): Record<string, string>;
  /** The waits before the retries of a failed asynchronous invocation (Lambda retries twice). */
  retryDelaysMs?: readonly number[];
  maxWorkersPerFunction?: number;
}

/**
 * The execution environments of one function: warm workers are reused (the most recently
 * used first, as Lambda does), a new one starts when all are busy, and one whose invocation
 * timed out or crashed is dropped and replaced by the next cold start.
 */
class FunctionPool {
  private readonly idle: FunctionWorkerHandle[] = [];
  private readonly workers = new Set<FunctionWorkerHandle>();
  private readonly waiting: Array<(worker: FunctionWorkerHandle | undefined) => void> = [];

  constructor(
    private readonly start: (onExit: () => void) => FunctionWorkerHandle,
    private readonly timeoutMs: number,
    private readonly maxWorkers: number,
  ) {}

  async invoke(event: unknown): Promise<unknown> {
    const worker = await this.acquire();
    try {
      return await worker.invoke(randomUUID(), event, this.timeoutMs);
    } finally {
      this.release(worker);
    }
  }

  private async acquire(): Promise<FunctionWorkerHandle> {
    for (;;) {
      const warm = this.idle.pop();
      if (warm && !warm.gone) return warm;
      if (warm) continue;
      if (this.workers.size < this.maxWorkers) return this.coldStart();
      const handed = await new Promise<FunctionWorkerHandle | undefined>((resolve) => this.waiting.push(resolve));
      if (handed) return handed;
    }
  }

  /** Starts workers until `count` are warm and idle (Lambda's provisioned concurrency). */
  async provision(count: number): Promise<void> {
    const missing = Math.min(count, this.maxWorkers) - this.workers.size;
    const started = await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.coldStart()));
    for (const worker of started) this.release(worker);
  }

  private async coldStart(): Promise<FunctionWorkerHandle> {
    const worker = this.start(() => this.forget(worker));
    this.workers.add(worker);
    try {
      await worker.ready;
      return worker;
    } catch (error) {
      this.drop(worker);
      throw error;
    }
  }

  /** A worker whose thread ended (a crash while idle too) no longer counts towards the cap. */
  private forget(worker: FunctionWorkerHandle): void {
    const idle = this.idle.indexOf(worker);
    if (idle >= 0) this.idle.splice(idle, 1);
    this.drop(worker);
  }

  private drop(worker: FunctionWorkerHandle): void {
    // A waiting invocation may now start a worker of its own.
    if (this.workers.delete(worker)) this.waiting.shift()?.(undefined);
  }

  private release(worker: FunctionWorkerHandle): void {
    if (worker.gone) {
      this.drop(worker);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  async close(): Promise<void> {
    const workers = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/**
 * The Lambda functions of serverless.yml, each in worker threads of its own: its own
 * environment variables and module state, a context whose remaining time follows its
 * timeout, and at that timeout the thread is terminated and the invocation fails as Lambda's
 * does (`Task timed out after N seconds`).
 */
export class LocalFunctions implements FunctionInvoker {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly retryDelaysMs: readonly number[];

  constructor(
    private readonly definition: ServiceDefinition,
    private readonly options: LocalFunctionsOptions,
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? LOCAL_ASYNC_RETRY_DELAYS_MS;
  }

  private poolOf(name: string): FunctionPool {
    const existing = this.pools.get(name);
    if (existing) return existing;
    const spec = this.definition.functions[name];
    if (!spec) throw new Error(`function ${name} is not defined in serverless.yml`);
    const dot = spec.handler.lastIndexOf('.');
    const setup = {
      moduleUrl: pathToFileURL(path.join(this.definition.root, `${spec.handler.slice(0, dot)}.ts`)).href,
      exportName: spec.handler.slice(dot + 1),
      functionName: deployedFunctionName(this.definition, name),
      memorySize: spec.memorySize ?? this.definition.defaultMemorySize,
    };
    const env = this.options.environmentOf(name);
    const timeoutMs = (spec.timeout ?? this.definition.defaultTimeoutSeconds) * 1000;
    const pool = new FunctionPool(
      (onExit) => new FunctionWorkerHandle(setup, env, onExit),
      timeoutMs,
      this.options.maxWorkersPerFunction ?? LOCAL_MAX_WORKERS_PER_FUNCTION,
    );
    this.pools.set(name, pool);
    return pool;
  }

  /**
   * Lambda's provisioned concurrency: `count` workers of the function started and loaded now,
   * so that as many concurrent invocations find a warm one.
   */
  provision(name: string, count: number): Promise<void> {
    return this.poolOf(name).provision(count);
  }

  /** The function key for a deployed name (`phonebook-import-dev-importObject`) or a key. */
  resolveName(name: string): string | undefined {
    if (this.definition.functions[name]) return name;
    return Object.keys(this.definition.functions).find((key) => name.endsWith(`-${key}`));
  }

  /** A synchronous invocation: resolves with the handler's result, rejects with its error. */
  async invoke(name: string, event: unknown): Promise<unknown> {
    return this.poolOf(name).invoke(event);
  }

  /**
   * An asynchronous invocation (S3 notifications, `InvocationType: Event`): runs in the
   * background; a handler that throws (or times out) is retried twice after a delay, as Lambda
   * retries async events (about 1 and 2 minutes there, `retryDelaysMs` here), so a short
   * outage is survived. An event that fails every attempt is reported on stderr, where AWS
   * would put it in the function's on-failure destination.
   */
  invokeAsync(name: string, event: unknown): void {
    const attempts = this.retryDelaysMs.length + 1;
    const run = async () => {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          await this.invoke(name, event);
          return;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const delay = this.retryDelaysMs[attempt - 1];
          process.stderr.write(
            `${name} failed (attempt ${attempt} of ${attempts}): ${message}${delay === undefined ? '; event given up (in AWS: the on-failure destination)' : `; retried in ${delay} ms`}\n`,
          );
          if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    };
    const task = run().finally(() => this.background.delete(task));
    this.background.add(task);
  }

  /** Waits for background invocations to finish (at most `timeoutMs`). */
  async settle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.background.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.background]), new Promise((resolve) => setTimeout(resolve, 200))]);
    }
  }

  /** Ends every worker (after `settle`, when the stack closes). */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}
