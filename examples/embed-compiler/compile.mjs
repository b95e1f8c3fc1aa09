// SPDX-License-Identifier: MIT
import { compile, renderManifest } from '@osiris/compiler';
import { loadRegistry } from '@osiris/registry';

const pipeline = `version: 0.0.1
name: embedded
sources: [{ id: src, type: mysql.table, connection: "@mysql", mode: read, options: { table: orders } }]
sinks: [{ id: dst, type: supabase.table, connection: "@supabase", mode: write, options: { table: orders } }]
`;
const { manifest, diagnostics } = compile(pipeline, { registry: loadRegistry() });
for (const d of diagnostics) console.error(`${d.line}:${d.col} ${d.path} ${d.message}`);
if (manifest) process.stdout.write(renderManifest(manifest));
else process.exitCode = 2;
