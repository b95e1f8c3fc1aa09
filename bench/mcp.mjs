// SPDX-License-Identifier: MIT
// pnpm bench:mcp — start-up of `osiris mcp` (stdio) to its answer to tools/list, as a client sees it: spawn,
// initialize, notifications/initialized, tools/list. Beside it, measured in the same run, `osiris --version`
// (the same bundle's start) and bare `node -e ""`. Budget (SPEC §9): p50 under 300 ms.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ms, percentile, printTable, timeProcess } from './stats.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'packages/cli/bin/osiris.js');
const iterations = Number(process.env.BENCH_ITERATIONS ?? 15);

/** Milliseconds from spawning `osiris mcp` to the tools/list response on its stdout. */
function toolsListOnce() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, 'mcp'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buffer = '';
    const send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const message = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if (message.id === 1) {
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
        } else if (message.id === 2) {
          const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
          if (!Array.isArray(message.result?.tools)) reject(new Error(`no tools in ${JSON.stringify(message)}`));
          child.stdin.end();
          child.once('exit', () => resolve(elapsed));
        }
        newline = buffer.indexOf('\n');
      }
    });
    child.once('error', reject);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    });
  });
}

await toolsListOnce(); // warm the file cache; not counted
const mcp = [];
for (let i = 0; i < iterations; i++) mcp.push(await toolsListOnce());
const version = timeProcess(process.execPath, [bin, '--version'], { iterations });
const bare = timeProcess(process.execPath, ['-e', ''], { iterations });

const mcpP50 = percentile(mcp, 50);
const versionP50 = percentile(version, 50);
const bareP50 = percentile(bare, 50);
console.log(`osiris mcp start to tools/list (${iterations} runs each)`);
printTable([
  ['what', 'p50', 'p95', 'ratio to osiris --version'],
  ['osiris mcp → tools/list', ms(mcpP50), ms(percentile(mcp, 95)), `${(mcpP50 / versionP50).toFixed(2)}x`],
  ['osiris --version (baseline)', ms(versionP50), ms(percentile(version, 95)), '1.00x'],
  ['node -e ""', ms(bareP50), ms(percentile(bare, 95)), `${(bareP50 / versionP50).toFixed(2)}x`],
]);
console.log(`budget: p50 < 300 ms → ${mcpP50 < 300 ? 'ok' : 'OVER'}`);
