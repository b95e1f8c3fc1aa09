// SPDX-License-Identifier: MIT
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry, createSchemaValidator, isOsirisError, loadRegistry, loadSpecSchema } from '@osiris/registry';
import { readTree } from '@osiris/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compile,
  manifestSchema,
  omlSchema,
  parseOml,
  renderCompiled,
  stepConfigSchema,
  validateOml,
  writeCompiled,
} from '../src/index';

const registry = loadRegistry();
const examplesDir = fileURLToPath(new URL('../../../examples/', import.meta.url));
const goldenDir = fileURLToPath(new URL('./golden/', import.meta.url));
const examples = readdirSync(examplesDir).filter(
  (name) =>
    statSync(join(examplesDir, name)).isDirectory() && readdirSync(join(examplesDir, name)).includes('pipeline.yaml'),
);
const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-compile-'));
  temp.push(dir);
  return dir;
}

const PIPELINE = `version: 0.0.1
name: orders_sync
params:
  chunk_size: 5000
  target: orders
sources:
  - id: src
    type: mysql.table
    connection: "@mysql"
    mode: read
    options: { schema: shop, table: orders }
sinks:
  - id: dst
    type: supabase.table
    connection: "@supabase"
    mode: write
    options:
      table: \${params.target}
      write_mode: merge
      merge_keys: [id]
`;

describe('examples compile to their golden files', () => {
  it('has the three examples people ask for first', () => {
    expect(examples).toEqual(expect.arrayContaining(['mysql-to-supabase-merge', 'supabase-append', 'supabase-merge']));
  });

  it.each(examples)('%s', (example) => {
    const file = `examples/${example}/pipeline.yaml`;
    const result = compile(readFileSync(join(examplesDir, example, 'pipeline.yaml'), 'utf8'), { registry, file });
    expect(result.diagnostics).toEqual([]);
    const rendered = Object.fromEntries(renderCompiled(result));
    if (process.env.UPDATE_GOLDEN === '1') writeCompiled(join(goldenDir, example), result);
    expect(rendered).toEqual(readTree(join(goldenDir, example)));
  });
});

describe('compile', () => {
  it('builds the manifest of SPEC §5 with relative cfg paths, needs and resolved params', () => {
    const { manifest, configs, diagnostics } = compile(PIPELINE, { registry, params: { target: 'orders_v2' } });
    expect(diagnostics).toEqual([]);
    expect(manifest?.steps).toEqual([
      {
        id: 'src',
        component: 'mysql.table',
        component_version: '0.1.0',
        mode: 'read',
        cfg: 'cfg/src.json',
        produces: 'tabular',
      },
      {
        id: 'dst',
        component: 'supabase.table',
        component_version: '0.1.0',
        mode: 'write',
        cfg: 'cfg/dst.json',
        consumes: 'tabular',
        needs: ['src'],
      },
    ]);
    expect(manifest?.execution).toEqual({ engine: 'local', params: { chunk_size: 5000, target: 'orders_v2' } });
    expect(manifest?.fingerprints.registry).toBe(registry.fingerprint());
    expect(configs.dst).toEqual({
      id: 'dst',
      component: 'supabase.table',
      mode: 'write',
      connection: '@supabase',
      options: {
        create_table: false,
        max_rejects: 0,
        merge_keys: ['id'],
        schema: 'public',
        table: 'orders_v2',
        write_mode: 'merge',
      },
    });
  });

  it('keeps the type of a value that is only a param reference', () => {
    const text = PIPELINE.replace('chunk_size: 5000', 'chunk_size: 5000\n  create: true').replace(
      'merge_keys: [id]',
      'merge_keys: [id]\n      create_table: ${params.create}',
    );
    const { configs, diagnostics } = compile(text, { registry });
    expect(diagnostics).toEqual([]);
    expect(configs.dst?.options.create_table).toBe(true);
  });

  it('binds the params of a query source as values: the query keeps its references, query_params holds them', () => {
    const text = `version: 0.0.1
name: q
params:
  since: "2026-01-01' OR '1'='1"
sources:
  - id: src
    type: mysql.table
    connection: "@mysql"
    mode: read
    options:
      query: "SELECT id FROM orders WHERE updated_at >= \${params.since}"
sinks:
  - id: dst
    type: supabase.table
    connection: "@supabase"
    mode: write
    options: { table: orders }
`;
    const { configs, diagnostics } = compile(text, { registry });
    expect(diagnostics).toEqual([]);
    expect(configs.src?.options).toEqual({
      query: 'SELECT id FROM orders WHERE updated_at >= ${params.since}',
      query_params: { since: "2026-01-01' OR '1'='1" },
    });
  });

  it('a read takes exactly one of table and query, with a located error', () => {
    const base = (options: string) => `version: 0.0.1
name: q
sources:
  - id: src
    type: supabase.table
    connection: "@supabase"
    mode: read
    options: ${options}
sinks:
  - id: dst
    type: supabase.table
    connection: "@supabase"
    mode: write
    options: { table: orders }
`;
    const both = validateOml(parseOml(base('{ table: a, query: "SELECT 1" }'), { file: 'p.yaml' }).oml, { registry });
    expect(both).toEqual([
      expect.objectContaining({
        rule: 'constraint.exactlyOne',
        message: expect.stringMatching(/exactly one of table .*, tables .* and query/),
        line: 8,
      }),
    ]);
    const neither = validateOml(parseOml(base('{ schema: s }'), { file: 'p.yaml' }).oml, { registry });
    expect(neither).toEqual([
      expect.objectContaining({
        rule: 'constraint.exactlyOne',
        message:
          'a read takes exactly one of table (one table), tables (patterns of many tables) and query (a SELECT to run)',
      }),
    ]);
    const columns = validateOml(parseOml(base('{ query: "SELECT 1", columns: [a] }'), { file: 'p.yaml' }).oml, {
      registry,
    });
    expect(columns.map((d) => d.message)).toEqual([
      'query replaces columns and filters; give either table (with columns and filters) or query, not both',
    ]);
    const write = validateOml(
      parseOml(base('{ table: a }').replace('options: { table: orders }', 'options: { query: "SELECT 1" }')).oml,
      { registry },
    );
    expect(write.map((d) => d.message)).toEqual([
      'table is required for a write (a sink of a many-table source may leave it out, or use a template such as raw_{table})',
      'query only applies to read steps; a write takes the rows of its input',
    ]);
  });

  it('every emitted manifest and config validates against the published schemas', () => {
    const checkManifest = createSchemaValidator(manifestSchema, { subject: 'a run manifest' });
    const checkConfig = createSchemaValidator(stepConfigSchema, { subject: 'a step config' });
    for (const example of examples) {
      const result = compile(readFileSync(join(examplesDir, example, 'pipeline.yaml'), 'utf8'), {
        registry,
        engine: 'e2b',
      });
      expect(checkManifest(result.manifest)).toEqual([]);
      for (const config of Object.values(result.configs)) expect(checkConfig(config)).toEqual([]);
    }
  });

  it('writes byte-identical files for the same input, and different fingerprints for different input', () => {
    const a = tempDir();
    const b = tempDir();
    writeCompiled(a, compile(PIPELINE, { registry }));
    writeCompiled(b, compile(`# a comment changes nothing\n${PIPELINE}`, { registry }));
    expect(readTree(a)).toEqual(readTree(b));
    expect(Object.keys(readTree(a)).sort()).toEqual(['cfg/dst.json', 'cfg/src.json', 'manifest.yaml']);
    const other = compile(PIPELINE.replace('shop', 'shop2'), { registry });
    expect(other.manifest?.fingerprints.oml).not.toBe(compile(PIPELINE, { registry }).manifest?.fingerprints.oml);
  });

  it('memoises on the pipeline fingerprint', () => {
    expect(compile(PIPELINE, { registry })).toBe(compile(PIPELINE, { registry }));
    expect(compile(PIPELINE, { registry })).not.toBe(compile(PIPELINE, { registry, engine: 'e2b' }));
  });

  it('refuses to write when the pipeline did not compile, and reports an unwritable folder as a compile error', () => {
    expect(() => writeCompiled(tempDir(), compile('name: x', { registry }))).toThrow(/did not compile/);
    const blocker = join(tempDir(), 'file');
    writeCompiled(tempDir(), compile(PIPELINE, { registry }));
    rmSync(blocker, { force: true });
    writeFileSync(blocker, 'x');
    try {
      writeCompiled(join(blocker, 'out'), compile(PIPELINE, { registry }));
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('COMPILE');
      expect((error as Error).message).toMatch(/cannot write the compiled pipeline .* \(ENOTDIR\)/);
    }
  });
});

type Case = [
  name: string,
  text: string,
  options: { params?: Record<string, string | number> },
  expected: { rule: string; path: string; line: number; col: number; message?: RegExp },
];
const negative: Case[] = [
  [
    'YAML syntax error',
    PIPELINE.replace('options: { schema: shop, table: orders }', 'options: { schema: shop, table: orders'),
    {},
    { rule: 'yamlSyntax', path: '', line: 12, col: 1 },
  ],
  [
    'unknown top-level key',
    PIPELINE.replace('sources:', 'source_db: x\nsources:'),
    {},
    { rule: 'additionalProperties', path: 'source_db', line: 6, col: 1, message: /unknown field "source_db"/ },
  ],
  [
    'unknown component type',
    PIPELINE.replace('type: mysql.table', 'type: mysql.tabel'),
    {},
    { rule: 'unknownComponent', path: 'src.type', line: 8, col: 11, message: /did you mean "mysql.table"/ },
  ],
  [
    'misspelt option field',
    PIPELINE.replace('merge_keys: [id]', 'merge_key: [id]'),
    {},
    {
      rule: 'additionalProperties',
      path: 'dst.options.merge_key',
      line: 20,
      col: 7,
      message: /did you mean "merge_keys"/,
    },
  ],
  [
    'wrong enum value',
    PIPELINE.replace('write_mode: merge', 'write_mode: upsert'),
    {},
    { rule: 'enum', path: 'dst.options.write_mode', line: 19, col: 19 },
  ],
  [
    'merge without merge_keys',
    PIPELINE.replace('      merge_keys: [id]\n', ''),
    {},
    {
      rule: 'constraint.required',
      path: 'dst.options.merge_keys',
      line: 17,
      col: 5,
      message: /merge_keys is required when write_mode is merge/,
    },
  ],
  [
    'duplicate step ids',
    PIPELINE.replace('id: dst', 'id: src'),
    {},
    { rule: 'duplicateId', path: 'src.id', line: 13, col: 5 },
  ],
  [
    'inline credentials instead of @ref',
    PIPELINE.replace('connection: "@supabase"', 'connection: { url: "postgresql://app:Sup3rSecret@db:5432/app" }'),
    {},
    { rule: 'inlineConnection', path: 'dst.connection', line: 15, col: 17 },
  ],
  [
    'undeclared --param',
    PIPELINE,
    { params: { tagret: 'x' } },
    { rule: 'undeclaredParam', path: 'params.tagret', line: 3, col: 1 },
  ],
  [
    'undeclared ${params.x}',
    PIPELINE.replace('${params.target}', '${params.tagret}'),
    {},
    { rule: 'undeclaredParam', path: 'sinks[0].options.table', line: 18, col: 14 },
  ],
  [
    'sink reading from a missing source',
    PIPELINE.replace('mode: write', 'mode: write\n    from: nope'),
    {},
    { rule: 'unknownStep', path: 'dst.from', line: 17, col: 11 },
  ],
  [
    'two sinks reading one source',
    PIPELINE.replace(
      'sinks:',
      'sinks:\n  - { id: dst2, type: supabase.table, connection: "@supabase", mode: write, options: { table: t2 } }',
    ),
    {},
    { rule: 'sharedSource', path: 'dst.from', line: 14, col: 5 },
  ],
  [
    'source with write mode',
    PIPELINE.replace('mode: read', 'mode: write'),
    {},
    { rule: 'const', path: 'sources[0].mode', line: 10, col: 11 },
  ],
];

describe('validation errors carry rule, path and position', () => {
  it.each(negative)('%s', (_name, text, options, expected) => {
    const result = compile(text, { registry, file: 'pipeline.yaml', ...options });
    expect(result.manifest).toBeUndefined();
    const found = result.diagnostics.find((d) => d.rule === expected.rule);
    expect(found, JSON.stringify(result.diagnostics, null, 2)).toBeDefined();
    expect(found).toMatchObject({
      severity: 'error',
      path: expected.path,
      file: 'pipeline.yaml',
      line: expected.line,
      col: expected.col,
    });
    if (expected.message) expect(found?.message).toMatch(expected.message);
  });

  it('never puts an inline secret into a diagnostic', () => {
    const text = PIPELINE.replace(
      'connection: "@supabase"',
      'connection: { url: "postgresql://app:Sup3rSecret@db:5432/app", password: Sup3rSecret }',
    );
    expect(JSON.stringify(compile(text, { registry }).diagnostics)).not.toContain('Sup3rSecret');
  });
});

describe('validation modes', () => {
  const unusedParam = PIPELINE.replace('  target: orders', '  target: orders\n  spare: 1');
  it('warn (default) reports warnings and still compiles', () => {
    const result = compile(unusedParam, { registry });
    expect(result.diagnostics.map((d) => [d.rule, d.severity])).toEqual([['unusedParam', 'warning']]);
    expect(result.manifest).toBeDefined();
  });
  it('strict turns every diagnostic into a failure', () => {
    const result = compile(unusedParam, { registry, mode: 'strict' });
    expect(result.diagnostics.map((d) => [d.rule, d.severity])).toEqual([['unusedParam', 'error']]);
    expect(result.manifest).toBeUndefined();
  });
  it('off skips spec validation but keeps the shape checks compiling needs', () => {
    const sloppy = PIPELINE.replace('merge_keys: [id]', 'merge_keys: [id]\n      invented: 1');
    expect(compile(sloppy, { registry, mode: 'off' }).manifest).toBeDefined();
    expect(compile(sloppy, { registry }).manifest).toBeUndefined();
    expect(
      compile(sloppy.replace('type: mysql.table', 'type: nope.table'), { registry, mode: 'off' }).manifest,
    ).toBeUndefined();
    expect(
      compile(sloppy.replace('name: orders_sync', 'name: Orders Sync'), { registry, mode: 'off' }).manifest,
    ).toBeUndefined();
  });
});

describe('inline secrets never reach the compiled output', () => {
  const secret = 'Sup3rSecret-Inline9';

  it('--mode off: an unknown option named like a secret is masked and warned about, byte-identically', () => {
    const text = PIPELINE.replace(
      'options: { schema: shop, table: orders }',
      `options: { table: orders, password: ${secret} }`,
    );
    const first = compile(text, { registry, mode: 'off', file: 'pipeline.yaml' });
    expect(first.manifest).toBeDefined();
    expect(first.configs.src?.options.password).toBe('***');
    const files = renderCompiled(first);
    expect([...files.values()].join('\n')).not.toContain(secret);
    expect(first.diagnostics).toEqual([
      expect.objectContaining({ rule: 'inlineSecret', severity: 'warning', path: 'src.options.password', line: 11 }),
    ]);
    // Deterministic: another compile (not from the memo) writes the same bytes.
    const again = compile(`${text}\n`, { registry, mode: 'off', file: 'pipeline.yaml' });
    expect(renderCompiled(again)).toEqual(files);
  });

  it('a value at a pointer the card declares secret is masked in every mode, with the param that fed it', () => {
    const card = readFileSync(
      join(fileURLToPath(new URL('../../../components/', import.meta.url)), 'supabase.table/spec.yaml'),
      'utf8',
    )
      .replace('name: supabase.table', 'name: api.table')
      .replace(/secrets:\n(?: {2}- .*\n)+/, 'secrets:\n  - /options/api_key\n')
      .replace('  properties:\n', '  properties:\n    api_key: { type: string }\n')
      .replace(/examples:\n[\s\S]*?\nx-connection:/, 'x-connection:');
    const custom = createRegistry([{ file: 'api.table/spec.yaml', text: card }], loadSpecSchema());
    const text = `version: 0.0.1
name: api
params:
  key: none
sources:
  - { id: src, type: api.table, connection: "@api", mode: read, options: { table: t, api_key: "\${params.key}" } }
`;
    for (const mode of ['warn', 'off'] as const) {
      const result = compile(text, { registry: custom, mode, params: { key: secret } });
      expect(result.manifest, JSON.stringify(result.diagnostics)).toBeDefined();
      expect(result.diagnostics.map((d) => d.rule)).toEqual(['inlineSecret']);
      expect(result.configs.src?.options.api_key).toBe('***');
      expect(result.manifest?.execution.params).toEqual({ key: '***' });
      expect([...renderCompiled(result).values()].join('\n')).not.toContain(secret);
    }
  });
});

describe('the public API checks what plain JavaScript passes it', () => {
  it.each([
    ['no registry', {}, /options.registry must be a registry/],
    [
      'an engine the caller cannot run',
      { registry, engine: 'docker', engines: ['local', 'e2b'] },
      /options.engine must be "local" or "e2b", not "docker"/,
    ],
    [
      'a default engine the caller cannot run',
      { registry, engines: ['e2b'] },
      /options.engine must be "e2b", not "local" \(the default\)/,
    ],
    ['a malformed engine name', { registry, engine: 'My Engine' }, /options.engine must be an engine name/],
    ['an engine that is not text', { registry, engine: 7 }, /options.engine must be an engine name.*not 7/],
    [
      'engines that are not a list of names',
      { registry, engines: 'local' },
      /options.engines must be a non-empty list/,
    ],
    ['an unknown mode', { registry, mode: 'loose' }, /options.mode must be "warn", "strict" or "off", not "loose"/],
    ['params that are not a mapping', { registry, params: ['a'] }, /options.params must be a mapping/],
    [
      'a param that is not a scalar',
      { registry, params: { target: { a: 1 } } },
      /options.params.target must be text, a number, true\/false or null/,
    ],
    ['a file that is not text', { registry, file: 7 }, /options.file must be text/],
  ])('compile with %s throws a clear OsirisError', (_what, options, message) => {
    let thrown: unknown;
    try {
      compile(PIPELINE, options as never);
    } catch (error) {
      thrown = error;
    }
    expect(isOsirisError(thrown), String(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe('VALIDATION');
    expect((thrown as Error).message).toMatch(message);
  });

  it('records any well-formed engine name, and one of the engines the caller passes', () => {
    // The compiler knows no engines: a name an embedder adds is recorded as it is.
    expect(compile(PIPELINE, { registry, engine: 'k8s-jobs' }).manifest?.execution.engine).toBe('k8s-jobs');
    const result = compile(PIPELINE, { registry, engine: 'e2b', engines: ['local', 'e2b'] });
    expect(result.manifest?.execution.engine).toBe('e2b');
    expect(compile(PIPELINE, { registry, engines: ['local', 'e2b'] }).manifest?.execution.engine).toBe('local');
  });

  it('compile of something that is neither text nor an object throws a clear OsirisError', () => {
    expect(() => compile(42 as never, { registry })).toThrow(/a pipeline is OML text or a parsed object, not a number/);
  });
});

describe('limits', () => {
  it('a pipeline file that is a list gets file:line:col', () => {
    const result = compile('# a list\n- id: src\n  type: mysql.table\n', { registry, file: 'pipeline.yaml' });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ rule: 'type', file: 'pipeline.yaml', line: 2, col: 1 }),
    ]);
  });

  it('a sink reading from a source when there is none offers no empty choice', () => {
    const text = PIPELINE.replace(/sources:[\s\S]*?sinks:/, 'sources: []\nsinks:').replace(
      'mode: write',
      'mode: write\n    from: src',
    );
    const found = compile(text, { registry }).diagnostics.find((d) => d.rule === 'unknownStep');
    expect(found?.fix).toBe('Add a valid source step first, then name its id in "from".');
  });

  it('more steps than the limit is one diagnostic at the list', () => {
    const steps = Array.from(
      { length: 1001 },
      (_, i) => `  - { id: s${i}, type: mysql.table, connection: "@m", mode: read }`,
    );
    const result = compile(`version: 0.0.1\nname: many\nsources:\n${steps.join('\n')}\n`, { registry, file: 'p.yaml' });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        rule: 'maxItems',
        line: 4,
        col: 3,
        message: 'a pipeline holds at most 1000 sources; this one has 1001',
      }),
    ]);
  });
});

describe('parseOml, validateOml and omlSchema', () => {
  it('parseOml keeps positions for validateOml', () => {
    const { oml, diagnostics } = parseOml(PIPELINE.replace('table: orders }', 'tabel: orders }'), { file: 'p.yaml' });
    expect(diagnostics).toEqual([]);
    const problems = validateOml(oml, { registry });
    expect(problems.find((d) => d.rule === 'additionalProperties')).toMatchObject({
      file: 'p.yaml',
      line: 11,
      path: 'src.options.tabel',
    });
  });

  it('an empty file is a clear error', () => {
    expect(parseOml('', { file: 'p.yaml' }).diagnostics[0]).toMatchObject({ rule: 'type', line: 1 });
  });

  it('omlSchema accepts the examples and rejects invented fields, with configSchemas inlined', () => {
    const check = createSchemaValidator(omlSchema(registry), { subject: 'a pipeline file' });
    for (const example of examples) {
      expect(check(parseOml(readFileSync(join(examplesDir, example, 'pipeline.yaml'), 'utf8')).oml)).toEqual([]);
    }
    const bad = parseOml(PIPELINE.replace('merge_keys: [id]', 'merge_keys: [id]\n      invented: 1')).oml;
    expect(check(bad).map((d) => d.path)).toContain('sinks[0].options.invented');
  });
});
