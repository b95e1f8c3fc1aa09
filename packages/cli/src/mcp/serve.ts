// SPDX-License-Identifier: MIT
// The transports of `osiris mcp`: stdio (the default; the client starts the process) and streamable HTTP bound
// to 127.0.0.1 (`--http`). HTTP is stateless: every request gets its own server over the same tools, so
// nothing is kept between requests and several clients never share a session.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import { createMcpServer, type McpServerOptions } from './server';

/** Serves MCP on this process's stdin and stdout until the client closes stdin or the signal aborts. */
export async function serveStdio(
  options: McpServerOptions,
  streams: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream },
): Promise<void> {
  const server = createMcpServer(options);
  const transport = new StdioServerTransport(streams.stdin as NodeJS.ReadStream, streams.stdout as NodeJS.WriteStream);
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
    streams.stdin.once('end', resolve);
    options.io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.connect(transport);
  await closed;
  await server.close();
}

const LOOPBACK = '127.0.0.1';
const BODY_LIMIT = 4_000_000;

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Serves MCP over streamable HTTP on 127.0.0.1:<port>/mcp (port 0: any free one) until the signal aborts.
 * `onListening` gets the URL. Hosts other than the loopback names are refused (DNS rebinding).
 */
export async function serveHttp(
  options: McpServerOptions,
  port: number,
  onListening: (url: string) => void,
): Promise<void> {
  // Loaded only here: stdio, the default, starts without the HTTP transport and its web-standard adapters.
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const http = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', `http://${LOOPBACK}`).pathname;
    if (path !== '/mcp') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('osiris mcp serves /mcp\n');
      return;
    }
    try {
      const body = request.method === 'POST' ? await readJson(request) : undefined;
      const server = createMcpServer(options);
      const listening = (http.address() as AddressInfo).port;
      // No sessionIdGenerator: stateless, one server per request.
      const transport = new StreamableHTTPServerTransport({
        enableDnsRebindingProtection: true,
        allowedHosts: [`${LOOPBACK}:${listening}`, `localhost:${listening}`, LOOPBACK, 'localhost'],
      });
      response.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request, response, body);
    } catch {
      if (!response.headersSent) {
        response
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }));
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new OsirisError(OsirisErrorCode.Config, `cannot listen on ${LOOPBACK}:${port} (${error.code ?? 'error'})`, {
          cause: error,
          hint: 'Pick another port with --port, or --port 0 for any free one.',
        }),
      ),
    );
    http.listen(port, LOOPBACK, resolve);
  });
  onListening(`http://${LOOPBACK}:${(http.address() as AddressInfo).port}/mcp`);
  await new Promise<void>((resolve) => {
    if (options.io.signal?.aborted) resolve();
    options.io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
