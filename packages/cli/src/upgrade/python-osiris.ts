// SPDX-License-Identifier: MIT
// Pipelines of the Python Osiris (keboola/osiris, OML `oml_version: "0.1.0"`) → this Osiris's OML. The
// mapping is documented in docs/how-to/upgrade.md (ADR 0026): it maps onto what the component cards
// offer, so an option another branch adds (mysql.table `query`, supabase.table `replace`) is used as soon as its
// card has it, with no change here.
import { OML_VERSION } from '@osiris/compiler';
import { type ComponentSpec, isCredentialField, isSecretName, joinPointer } from '@osiris/registry';
import { isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Transform, TransformContext } from './transform';

type Mode = 'read' | 'write';

/** A Python component and what it becomes. */
interface Target {
  readonly type: string;
  readonly mode: Mode;
  /** The connection family its `@family.alias` references name, and the default when it names none. */
  readonly family: string;
  /** Maps the keys it knows; the keys it leaves in `config` are kept when the card has them, else dropped. */
  readonly options: (step: StepContext) => void;
}

interface StepContext {
  readonly context: TransformContext;
  readonly card: ComponentSpec;
  /** The step's `config` (its `connection` already taken out). */
  readonly config: YAMLMap;
  /** JSON Pointer of `config` in the original file. */
  readonly at: string;
  /** The options being built; pairs are moved from `config`, so comments stay with them. */
  readonly options: YAMLMap;
  /** Where each pair stood in `config`: the options keep the file's order. */
  readonly origin: Map<unknown, number>;
}

const TRANSFORM_ID = 'python-osiris-0.1';

// Fields of a connection written into a step instead of referenced: each is a located error, never dropped.
const CONNECTION_FIELDS = new Set(['host', 'port', 'user', 'username', 'database', 'dbname', 'project_id', 'dsn']);

/** Components of the Python Osiris this one has no counterpart for, with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  'duckdb.processor':
    'Osiris has no transform step: select and rename columns in the source step, or transform in the target database after the load.',
  'duckdb.transform':
    'Osiris has no transform step: select and rename columns in the source step, or transform in the target database after the load.',
  'graphql.extractor': 'Osiris has no GraphQL source: export the data to CSV and read it with filesystem.csv.',
  'posthog.extractor': 'Osiris has no PostHog source: export the events to CSV and read them with filesystem.csv.',
};

const keyOf = (pair: Pair): string => String(isScalar(pair.key) ? pair.key.value : pair.key);
const pairOf = (map: YAMLMap, key: string) => map.items.find((pair) => keyOf(pair as Pair) === key) as Pair | undefined;
const scalarOf = (map: YAMLMap, key: string): unknown => {
  const value = pairOf(map, key)?.value;
  return isScalar(value) ? value.value : value;
};
/** Renames a pair's key in place, keeping the comments attached to it. */
function rename(pair: Pair, key: string): Pair {
  if (isScalar(pair.key)) pair.key.value = key;
  else pair.key = new Scalar(key);
  return pair;
}
/** Moves `from` out of `config` into the options as `to`, optionally with a new value. */
function move(step: StepContext, from: string, to = from, value?: unknown): Pair | undefined {
  const pair = pairOf(step.config, from);
  if (pair === undefined) return undefined;
  step.config.items.splice(step.config.items.indexOf(pair), 1);
  rename(pair, to);
  if (value !== undefined) pair.value = step.context.document.createNode(value);
  step.options.items.push(pair);
  if (from !== to) {
    step.context.change(
      { kind: 'renamed', path: pathOf(`${step.at}/${from}`), message: `${from} → options.${to}` },
      `${step.at}/${from}`,
    );
  }
  return pair;
}

const pathOf = (pointer: string) =>
  pointer
    .slice(1)
    .split('/')
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');

const propertiesOf = (card: ComponentSpec) =>
  (card.configSchema.properties ?? {}) as Record<string, { enum?: unknown[] }>;

// `SELECT * FROM t`, `SELECT * FROM db.t`, optionally back-quoted and with a final semicolon.
const SELECT_ALL = /^\s*select\s+\*\s+from\s+(`[^`]+`|[A-Za-z0-9_$]+)(?:\s*\.\s*(`[^`]+`|[A-Za-z0-9_$]+))?\s*;?\s*$/i;
const unquote = (name: string) => name.replace(/^`|`$/g, '');

function mysqlRead(step: StepContext): void {
  const queryPair = pairOf(step.config, 'query');
  if (queryPair === undefined) return;
  const query = isScalar(queryPair.value) ? String(queryPair.value.value) : '';
  const simple = SELECT_ALL.exec(query);
  if (simple) {
    const [, first, second] = simple as unknown as [string, string, string | undefined];
    step.config.items.splice(step.config.items.indexOf(queryPair), 1);
    const at = step.origin.get(queryPair) ?? 0;
    if (second !== undefined) {
      const schema = new Pair(new Scalar('schema'), new Scalar(unquote(first)));
      step.origin.set(schema, at - 0.5);
      step.options.items.push(schema);
    }
    const table = new Pair(rename(new Pair(queryPair.key), 'table').key, new Scalar(unquote(second ?? first)));
    step.origin.set(table, at);
    step.options.items.push(table);
    step.context.change(
      {
        kind: 'rewritten',
        path: pathOf(`${step.at}/query`),
        message: `query "SELECT * FROM …" → options.table: ${unquote(second ?? first)}`,
      },
      `${step.at}/query`,
    );
    return;
  }
  // Any other query needs mysql.table's `query` option (issue #13): used as soon as the card has it.
  if ('query' in propertiesOf(step.card)) {
    move(step, 'query');
    return;
  }
  step.context.error(`${step.at}/query`, {
    rule: 'upgradeQuery',
    message: 'this query is not a plain SELECT * FROM <table>, and mysql.table has no query option yet',
    why: 'mysql.table reads one table (with columns and filters); a free SQL query needs the query option, which is being added (issue #13).',
    fix: 'Rewrite the step as a table read (options: table, columns, filters), or wait for the query option and run osiris upgrade again.',
    example: 'options: { table: users, columns: [id, email], filters: [{ column: active, op: eq, value: 1 }] }',
  });
}

function tableWrite(step: StepContext): void {
  const modes = (propertiesOf(step.card).write_mode?.enum ?? []) as string[];
  const writeMode = scalarOf(step.config, 'write_mode') ?? 'append';
  if (writeMode === 'upsert') {
    const keys = scalarOf(step.config, 'primary_key');
    const list = Array.isArray(keys) || isSeq(keys) ? undefined : keys;
    if (keys === undefined || keys === null) {
      step.context.error(`${step.at}/write_mode`, {
        rule: 'upgradeMergeKeys',
        message: 'write_mode upsert has no primary_key',
        why: 'An upsert becomes a merge, and a merge needs the columns that identify a row (merge_keys).',
        fix: 'Add primary_key (one column or a list) to the step, then run osiris upgrade again.',
        example: 'primary_key: [id]',
      });
      return;
    }
    move(step, 'write_mode', 'write_mode', 'merge');
    const pair = pairOf(step.config, 'primary_key') as Pair;
    if (list !== undefined) {
      const comment = isScalar(pair.value) ? pair.value.comment : undefined;
      pair.value = step.context.document.createNode([list], { flow: true });
      if (comment) (pair.value as YAMLSeq).comment = comment;
    }
    move(step, 'primary_key', 'merge_keys');
    step.context.change(
      { kind: 'rewritten', path: pathOf(`${step.at}/write_mode`), message: 'write_mode upsert → merge' },
      `${step.at}/write_mode`,
    );
  } else if (writeMode === 'append') {
    move(step, 'write_mode');
  } else if (writeMode === 'replace' && modes.includes('replace')) {
    move(step, 'write_mode');
  } else {
    step.context.error(`${step.at}/write_mode`, {
      rule: 'upgradeWriteMode',
      message:
        writeMode === 'replace'
          ? `write_mode replace is not available in ${step.card.name} yet`
          : `write_mode ${String(writeMode)} has no counterpart in ${step.card.name}`,
      why: `${step.card.name} writes with write_mode ${modes.join(' or ')}; replace is being added (issue #13).`,
      fix: 'Use append (load into an emptied table) or upsert with a primary_key, or wait for replace and run osiris upgrade again.',
      example: 'write_mode: upsert\nprimary_key: [id]',
    });
  }
  // primary_key only meant something for an upsert.
  if (writeMode !== 'upsert' && pairOf(step.config, 'primary_key')) dropPair(step, 'primary_key');
  move(step, 'create_if_missing', 'create_table');
}

function csv(step: StepContext): void {
  // The Python CSV extractor lists column names; Osiris's columns name a type too, and infers them when absent.
  const columns = pairOf(step.config, 'columns');
  if (columns && isSeq(columns.value) && columns.value.items.every((item) => isScalar(item))) dropPair(step, 'columns');
}

function dropPair(step: StepContext, key: string): void {
  const pair = pairOf(step.config, key) as Pair;
  step.config.items.splice(step.config.items.indexOf(pair), 1);
  step.context.change(
    {
      kind: 'dropped',
      path: pathOf(`${step.at}/${key}`),
      message: `${key} dropped: ${step.card.name} has no such option`,
    },
    `${step.at}/${key}`,
  );
}

const TARGETS: Record<string, Target> = {
  'mysql.extractor': { type: 'mysql.table', mode: 'read', family: 'mysql', options: mysqlRead },
  'supabase.extractor': { type: 'supabase.table', mode: 'read', family: 'supabase', options: () => {} },
  'supabase.writer': { type: 'supabase.table', mode: 'write', family: 'supabase', options: tableWrite },
  'mysql.writer': { type: 'mysql.table', mode: 'write', family: 'mysql', options: tableWrite },
  'filesystem.csv_extractor': { type: 'filesystem.csv', mode: 'read', family: 'filesystem', options: csv },
  'filesystem.csv_writer': { type: 'filesystem.csv', mode: 'write', family: 'filesystem', options: csv },
};

/**
 * `@family.alias` → `@family_alias`; the alias `default`, `@default` and no connection at all → `@family`
 * (the Python Osiris's default connection of the family). The fields then come from
 * `OSIRIS_CONN__FAMILY_ALIAS__URL` or the secrets file's `connections.family_alias`.
 */
export function connectionName(reference: string | undefined, family: string): string {
  if (reference === undefined) return `@${family}`;
  const [head, alias] = reference.replace(/^@/, '').split('.', 2) as [string, string | undefined];
  if (alias === undefined) return head === 'default' ? `@${family}` : `@${head}`;
  return `@${(alias === 'default' ? head : `${head}_${alias}`).replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Where a connection field goes instead: the variable or secrets-file entry of the connection the step will name. */
function connectionFix(card: ComponentSpec, name: string, key: string): string {
  const connection = card['x-connection'] as { schema?: { properties?: object } } | undefined;
  const fields = Object.keys(connection?.schema?.properties ?? {});
  const variable = (field: string) => `OSIRIS_CONN__${name.slice(1).toUpperCase()}__${field.toUpperCase()}`;
  return fields.includes(key)
    ? `Remove ${key} here; set it as ${variable(key)} or under connections.${name.slice(1)} in the secrets file.`
    : `Remove ${key} here; ${card.name}'s connection takes ${fields.join(', ')} (e.g. ${variable(fields[0] ?? 'url')}), set in the environment or the secrets file.`;
}

function upgradeStep(context: TransformContext, item: unknown, index: number, sources: string[]) {
  const at = `/steps/${index}`;
  if (!isMap(item)) {
    context.error(at, {
      message: 'a step is not a mapping',
      why: 'Each step has id, component, mode and config.',
      fix: 'Write the step as a mapping.',
    });
    return undefined;
  }
  const component = String(scalarOf(item, 'component') ?? '');
  const target = TARGETS[component];
  if (target === undefined) {
    context.error(`${at}/component`, {
      rule: 'upgradeComponent',
      message: `${component || 'a step without component'} has no counterpart in Osiris`,
      why: 'osiris upgrade never drops a step: the pipeline would silently do less.',
      fix:
        UNSUPPORTED[component] ??
        `Remove the step or replace it with one of: ${context.registry
          .list()
          .map((c) => c.name)
          .join(', ')}.`,
    });
    return undefined;
  }
  const card = context.registry.get(target.type);
  if (card === undefined || !card.modes.includes(target.mode)) {
    context.error(`${at}/component`, {
      rule: 'upgradeComponent',
      message: `${component} needs ${target.type} in ${target.mode} mode, which this Osiris does not have`,
      why: `The component cards of this command line have no ${target.type} that can ${target.mode}.`,
      fix: 'Remove the step, or upgrade with an Osiris that has it.',
    });
    return undefined;
  }
  const configPair = pairOf(item, 'config');
  const config = configPair && isMap(configPair.value) ? configPair.value : new YAMLMap();
  const configAt = `${at}/config`;

  // Connection: a reference, never fields written inline.
  let errors = false;
  const connectionPair = pairOf(config, 'connection');
  let reference: string | undefined;
  if (connectionPair) {
    config.items.splice(config.items.indexOf(connectionPair), 1);
    if (
      isScalar(connectionPair.value) &&
      typeof connectionPair.value.value === 'string' &&
      connectionPair.value.value.startsWith('@')
    ) {
      reference = connectionPair.value.value;
    } else {
      errors = true;
      context.error(`${configAt}/connection`, {
        rule: 'inlineSecret',
        message: 'the connection is written inline instead of referenced',
        why: 'Credentials never go into a pipeline file: they would be in version control and in every log that shows it.',
        fix: 'Write connection: "@name" and put the fields in --secrets-file (connections: { name: { url: … } }) or OSIRIS_CONN__NAME__URL.',
        example: `connection: "@${target.family}"`,
      });
    }
  }
  for (const pair of [...config.items] as Pair[]) {
    const key = keyOf(pair);
    const mapped = new Set(['primary_key', 'write_mode', 'create_if_missing', 'query']);
    if (mapped.has(key) || key in propertiesOf(card)) continue;
    if (CONNECTION_FIELDS.has(key) || isCredentialField(key) || isSecretName(key)) {
      errors = true;
      context.error(joinPointer(configAt, key), {
        rule: 'inlineSecret',
        message: `${key} is a connection field written inline`,
        why: 'Credentials and connection details belong to the connection, never to the pipeline file.',
        fix: connectionFix(card, connectionName(reference, target.family), key),
        example: `connection: "${connectionName(reference, target.family)}"`,
      });
    }
  }
  if (errors) return undefined;

  const options = new YAMLMap();
  const origin = new Map<unknown, number>(config.items.map((pair, index) => [pair, index]));
  const step: StepContext = { context, card, config, at: configAt, options, origin };
  target.options(step);
  for (const pair of [...config.items] as Pair[]) {
    const key = keyOf(pair);
    if (key in propertiesOf(card)) move(step, key);
    else dropPair(step, key);
  }
  options.items.sort((a, b) => (origin.get(a) ?? 0) - (origin.get(b) ?? 0));

  // The step itself, in OML's key order; the pairs are the old ones, with their comments.
  const idPair = pairOf(item, 'id');
  const id = String(scalarOf(item, 'id') ?? '');
  const newId = id.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (idPair === undefined || id === '') {
    context.error(at, { message: 'a step has no id', why: 'Steps are named by id.', fix: 'Add id: <name>.' });
    return undefined;
  }
  if (newId !== id) {
    idPair.value = new Scalar(newId);
    context.change(
      {
        kind: 'rewritten',
        path: pathOf(`${at}/id`),
        message: `id ${id} → ${newId} (lower-case letters, digits, _ and -)`,
      },
      `${at}/id`,
    );
  }
  const componentPair = rename(pairOf(item, 'component') as Pair, 'type');
  componentPair.value = new Scalar(target.type);
  context.change(
    { kind: 'renamed', path: pathOf(`${at}/component`), message: `component ${component} → type ${target.type}` },
    `${at}/component`,
  );
  const name = connectionName(reference, target.family);
  const connection = connectionPair ? rename(connectionPair, 'connection') : new Pair(new Scalar('connection'), null);
  connection.value = new Scalar(name);
  context.change(
    reference === undefined
      ? {
          kind: 'added',
          path: pathOf(`${at}/connection`),
          message: `connection ${name} (the family's default connection)`,
        }
      : {
          kind: 'moved',
          path: pathOf(`${configAt}/connection`),
          message: `config.connection ${reference} → connection ${name}`,
        },
    reference === undefined ? at : `${configAt}/connection`,
  );
  const modePair = pairOf(item, 'mode') ?? new Pair(new Scalar('mode'), null);
  modePair.value = new Scalar(target.mode);
  const items: Pair[] = [idPair, componentPair, connection, modePair];

  if (target.mode === 'write') {
    const needsPair = pairOf(item, 'needs');
    const needs = needsPair
      ? (isSeq(needsPair.value) ? needsPair.value.items : [needsPair.value]).map((n) =>
          String(isScalar(n) ? n.value : n),
        )
      : [];
    if (needs.length > 1) {
      context.error(`${at}/needs`, {
        rule: 'upgradeNeeds',
        message: `this step needs ${needs.length} steps; an Osiris sink reads exactly one source`,
        why: 'Each sink commits on its own from one source.',
        fix: 'Split it into one sink per source.',
      });
      return undefined;
    }
    const from = needs[0] ?? sources.at(-1);
    if (from === undefined) {
      context.error(at, {
        rule: 'upgradeNeeds',
        message: 'a write step with no read step before it',
        why: 'A sink reads a source.',
        fix: 'Add needs: [<source id>].',
      });
      return undefined;
    }
    const fromPair = needsPair ? rename(needsPair, 'from') : new Pair(new Scalar('from'), null);
    fromPair.value = new Scalar(from.toLowerCase().replace(/[^a-z0-9_-]/g, '_'));
    context.change(
      needsPair
        ? { kind: 'renamed', path: pathOf(`${at}/needs`), message: `needs → from: ${from}` }
        : { kind: 'added', path: pathOf(at), message: `from: ${from} (the read step before it)` },
      needsPair ? `${at}/needs` : at,
    );
    items.push(fromPair);
  } else if (pairOf(item, 'needs')) {
    context.change(
      {
        kind: 'dropped',
        path: pathOf(`${at}/needs`),
        message: 'needs of a read step dropped: sources read on their own',
      },
      `${at}/needs`,
    );
  }
  const optionsPair = configPair ? rename(configPair, 'options') : new Pair(new Scalar('options'), null);
  optionsPair.value = options;
  items.push(optionsPair);
  for (const pair of item.items as Pair[]) {
    if (!items.includes(pair) && !['needs', 'config'].includes(keyOf(pair))) {
      context.change(
        {
          kind: 'dropped',
          path: pathOf(`${at}/${keyOf(pair)}`),
          message: `${keyOf(pair)} dropped: OML steps have no such key`,
        },
        `${at}/${keyOf(pair)}`,
      );
    }
  }
  item.items = items;
  if (target.mode === 'read') sources.push(id);
  return { node: item, mode: target.mode };
}

export const pythonOsiris: Transform = {
  id: TRANSFORM_ID,
  description: 'pipelines of the Python Osiris, oml_version 0.1.0',
  applies: (value) => typeof value === 'object' && value !== null && 'oml_version' in value,
  apply(context) {
    const root = context.document.contents;
    if (!isMap(root)) return;
    const version = pairOf(root, 'oml_version') as Pair;
    const was = scalarOf(root, 'oml_version');
    if (!/^0\.1(\.\d+)?$/.test(String(was))) {
      context.error('/oml_version', {
        rule: 'upgradeVersion',
        message: `oml_version ${String(was)} is not one osiris upgrade knows`,
        why: 'osiris upgrade reads pipelines of the Python Osiris with oml_version 0.1.0.',
        fix: 'Write oml_version: "0.1.0" if the file follows that format.',
      });
      return;
    }
    rename(version, 'version').value = new Scalar(OML_VERSION);
    context.change(
      { kind: 'rewritten', path: 'oml_version', message: `oml_version ${String(was)} → version ${OML_VERSION}` },
      '/oml_version',
    );

    const namePair = pairOf(root, 'name');
    const name = String(scalarOf(root, 'name') ?? '');
    const newName = name.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
    if (namePair && newName !== name) {
      namePair.value = new Scalar(newName);
      context.change({ kind: 'rewritten', path: 'name', message: `name ${name} → ${newName}` }, '/name');
    }

    // Params: `{ type, default, description }` → the default itself.
    const params = pairOf(root, 'params');
    if (params && isMap(params.value)) {
      for (const pair of params.value.items as Pair[]) {
        if (!isMap(pair.value)) continue;
        const key = keyOf(pair);
        const fallback = pairOf(pair.value, 'default');
        if (fallback === undefined) {
          context.error(`/params/${key}`, {
            rule: 'upgradeParam',
            message: `param ${key} has no default`,
            why: 'An Osiris param is declared with its default value; --param overrides it.',
            fix: `Add default: <value> to ${key}.`,
            example: `${key}: { type: string, default: production }`,
          });
          continue;
        }
        pair.value = fallback.value;
        context.change(
          {
            kind: 'rewritten',
            path: `params.${key}`,
            message: `param ${key}: its default (type, description dropped)`,
          },
          `/params/${key}`,
        );
      }
    }

    const steps = pairOf(root, 'steps');
    const sources = new YAMLSeq();
    const sinks = new YAMLSeq();
    const readIds: string[] = [];
    if (!steps || !isSeq(steps.value)) {
      context.error('/steps', {
        message: 'the pipeline has no steps list',
        why: 'A Python Osiris pipeline lists its steps under steps.',
        fix: 'Add steps: [...].',
      });
      return;
    }
    if (steps.value.commentBefore) sources.commentBefore = steps.value.commentBefore;
    steps.value.items.forEach((item, index) => {
      const upgraded = upgradeStep(context, item, index, readIds);
      if (upgraded) (upgraded.mode === 'read' ? sources : sinks).items.push(upgraded.node);
    });

    // Top level, in OML's order: version, name, description, params, sources, sinks; anything else is dropped.
    const keep = new Set(['version', 'name', 'description', 'params']);
    const items: Pair[] = [];
    for (const pair of root.items as Pair[]) {
      const key = keyOf(pair);
      if (keep.has(key)) items.push(pair);
      else if (key === 'steps') {
        items.push(rename(pair, 'sources'));
        pair.value = sources;
        if (sinks.items.length > 0) {
          const sinksKey = new Scalar('sinks');
          sinksKey.spaceBefore = true;
          items.push(new Pair(sinksKey, sinks));
        }
      } else {
        context.change(
          { kind: 'dropped', path: key, message: `${key} dropped: OML has no ${key} (use --param to override params)` },
          `/${key}`,
        );
      }
    }
    root.items = items;
    // A blank line before a list's first item would print as an indented empty line.
    for (const list of [sources, sinks]) {
      const first = list.items[0];
      if (isMap(first)) first.spaceBefore = false;
    }
  },
};
