import { type AddressInfo, createServer, type Server, Socket } from 'node:net';

export interface OutageProxy {
  /** http://127.0.0.1:<port>, to give the service instead of the real endpoint. */
  url: string;
  /** Where connections go while the proxy is up (settable after the proxy started). */
  setTarget(url: string): void;
  /** Drops every open connection and resets each new one until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 that can be switched off: while down, open connections are cut and
 * new ones reset at once, as a server that is unreachable for a while. No HTTP parsing.
 */
export async function startOutageProxy(): Promise<OutageProxy> {
  let target: { host: string; port: number } | undefined;
  let isDown = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (isDown || !target) {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.connect(target.port, target.host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setTarget: (url) => {
      const parsed = new URL(url);
      target = { host: parsed.hostname, port: Number(parsed.port) };
    },
    down: () => {
      isDown = true;
      for (const socket of open) socket.destroy();
    },
    up: () => {
      isDown = false;
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
