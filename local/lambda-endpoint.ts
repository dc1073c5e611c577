import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalFunctions } from './functions.js';

export interface LambdaEndpoint {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) for the local
 * stack, so that handlers start other functions with the real SDK client, pointed here by
 * LAMBDA_ENDPOINT. `Event` invocations answer 202 and run in the background.
 */
export async function startLambdaEndpoint(functions: LocalFunctions): Promise<LambdaEndpoint> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
      const name = match?.[1] ? functions.resolveName(decodeURIComponent(match[1])) : undefined;
      if (request.method !== 'POST' || !name) {
        response.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${match?.[1] ?? request.url}` }));
        return;
      }
      let event: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        event = text === '' ? {} : JSON.parse(text);
      } catch {
        response.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidRequestContentException' });
        response.end(JSON.stringify({ Type: 'User', message: 'payload is not JSON' }));
        return;
      }
      if (request.headers['x-amz-invocation-type'] === 'Event') {
        functions.invokeAsync(name, event);
        response.writeHead(202);
        response.end();
        return;
      }
      functions.invoke(name, event).then(
        (result) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(result ?? null));
        },
        (error: unknown) => {
          response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
          response.end(JSON.stringify({ errorMessage: error instanceof Error ? error.message : String(error) }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
