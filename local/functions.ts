import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServiceDefinition } from './service-definition.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * Lambda waits about 1 and 2 minutes before its two retries; locally 2 and 8 seconds, long
 * enough for a restarted server, short enough for a test to wait for.
 */
export const LOCAL_ASYNC_RETRY_DELAYS_MS: readonly number[] = [2_000, 8_000];

/**
 * The Lambda functions of serverless.yml, run in this process: loaded on first use (after the
 * environment is set), given a context whose remaining time follows the function's timeout,
 * and stopped with an error at that timeout, as Lambda would.
 */
export class LocalFunctions {
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly definition: ServiceDefinition,
    private readonly root: string,
    /** The waits before the retries of a failed asynchronous invocation (Lambda retries twice). */
    private readonly retryDelaysMs: readonly number[] = LOCAL_ASYNC_RETRY_DELAYS_MS,
  ) {}

  private load(name: string): Promise<Handler> {
    let loaded = this.handlers.get(name);
    if (!loaded) {
      const spec = this.definition.functions[name];
      if (!spec) return Promise.reject(new Error(`function ${name} is not defined in serverless.yml`));
      const dot = spec.handler.lastIndexOf('.');
      const file = path.join(this.root, `${spec.handler.slice(0, dot)}.ts`);
      const exportName = spec.handler.slice(dot + 1);
      loaded = import(pathToFileURL(file).href).then((module: Record<string, unknown>) => {
        const handler = module[exportName];
        if (typeof handler !== 'function') throw new Error(`${spec.handler} is not a function`);
        return handler as Handler;
      });
      this.handlers.set(name, loaded);
    }
    return loaded;
  }

  /** The function key for a deployed name (`phonebook-import-dev-importObject`) or a key. */
  resolveName(name: string): string | undefined {
    if (this.definition.functions[name]) return name;
    return Object.keys(this.definition.functions).find((key) => name.endsWith(`-${key}`));
  }

  /** A synchronous invocation: resolves with the handler's result. */
  async invoke(name: string, event: unknown): Promise<unknown> {
    const timeoutMs = (this.definition.functions[name]?.timeout ?? this.definition.defaultTimeoutSeconds) * 1000;
    const handler = await this.load(name);
    const started = Date.now();
    const context = {
      functionName: name,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        handler(event, context),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${name} timed out after ${timeoutMs / 1000}s`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
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
          process.stderr.write(`${name} failed (attempt ${attempt} of ${attempts}): ${message}${delay === undefined ? '; event given up (in AWS: the on-failure destination)' : `; retried in ${delay} ms`}\n`);
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
}
