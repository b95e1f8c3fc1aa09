// SPDX-License-Identifier: MIT
import { createServer, type Socket, connect as tcpConnect } from 'node:net';

export interface StallingProxy {
  /** The loopback port to connect to instead of the server's. */
  readonly port: number;
  /** Connections made so far. */
  readonly connections: number;
  /**
   * From now on, the connections open now forward nothing in either direction and never close: a
   * network cut without FIN or RST, as a peer sees it. Connections made later pass as usual.
   */
  stall(): void;
  /** Closes every connection and the listener. */
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `host:port`, which a test can make go silent. */
export async function startStallingProxy(host: string, port: number): Promise<StallingProxy> {
  const sockets = new Set<Socket>();
  const live = new Set<{ stalled: boolean; pair: [Socket, Socket] }>();
  let connections = 0;
  const server = createServer((client) => {
    connections += 1;
    const upstream = tcpConnect(port, host);
    const link = { stalled: false, pair: [client, upstream] as [Socket, Socket] };
    live.add(link);
    for (const socket of link.pair) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (data: Buffer) => {
        if (link.stalled) return;
        // Backpressure, so that little is in flight when the link stalls.
        if (!to.write(data)) {
          from.pause();
          to.once('drain', () => {
            if (!link.stalled) from.resume();
          });
        }
      });
      from.on('end', () => {
        if (!link.stalled) to.end();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    stall() {
      for (const link of live) {
        link.stalled = true;
        // Not reading leaves the sender's data in its buffers, as an unacknowledged stream would.
        for (const socket of link.pair) socket.pause();
      }
      live.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
