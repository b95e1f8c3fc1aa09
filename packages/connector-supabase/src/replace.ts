// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import type { StepContext, WriteResult } from '@osiris/runner';
import type { CatalogTable } from './catalog';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import type { Session } from './session';

/** A name of at most 63 bytes (Postgres's limit) beside `table`, unique for this run. */
function besideName(table: string, what: 'new' | 'old'): string {
  const suffix = `__osiris_${what}_${randomBytes(4).toString('hex')}`;
  let head = table;
  while (Buffer.byteLength(head + suffix) > 63) head = head.slice(0, -1);
  return head + suffix;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

function refuse(ctx: StepContext, tableName: string, what: string): SupabaseConnectorError {
  return new SupabaseConnectorError(
    SUPABASE_ERROR_REASONS.CONFIG_INVALID,
    ctx.stepId,
    `supabase.table step '${ctx.stepId}': write_mode replace swaps in a new table for ${tableName}, which would not keep ${what}. Use write_mode merge (or append after deleting the rows), or remove it first. Nothing was changed.`,
  );
}

/** Statements the server writes for us with `format()`, so that every name and literal is quoted by Postgres itself. */
async function statements(session: Session, sqlText: string, values: readonly unknown[]): Promise<string[]> {
  return (await session.rows<[string]>(sqlText, values)).map((r) => r[0]);
}

/**
 * `write_mode: replace` inside the write's transaction: creates a new table beside the target
 * (`LIKE … INCLUDING ALL`: columns, defaults, NOT NULL and CHECK constraints, indexes, identity,
 * generated columns, comments), loads it with `load` (the step's COPY), analyzes it, and then swaps
 * it in: locks the target (readers wait for the commit, a moment, and then read the new table),
 * renames, and gives the new table what `LIKE` does not copy: owner, table and column grants, row
 * level security and its policies, triggers, foreign keys, publications, the table comment,
 * sequence ownership and identity positions, the old indexes' names. Views on the target are
 * redefined onto the new table (`CREATE OR REPLACE VIEW`, same columns, same options). What it
 * cannot keep (a foreign key from another table, a materialized view, a function whose body uses
 * the table, partitions or inheritance) is refused before anything is loaded. Everything happens
 * in the one transaction: a failure anywhere leaves the old table as it was.
 */
export async function replaceTable(
  ctx: StepContext,
  session: Session,
  schema: string,
  table: CatalogTable,
  tableName: string,
  load: (copyTarget: string) => Promise<number>,
  columns: readonly string[],
): Promise<WriteResult> {
  const copyInto = (name: string) => `${q(schema)}.${q(name)} (${columns.map(q).join(', ')})`;
  const [created] = await session.rows<[boolean]>(
    'SELECT xmin::text::int8 = txid_current() % 4294967296 FROM pg_catalog.pg_class WHERE oid = $1',
    [table.oid],
  );
  const relname = (
    await session.rows<[string]>('SELECT relname FROM pg_catalog.pg_class WHERE oid = $1', [table.oid])
  )[0]?.[0] as string;
  // A table this transaction has just created (create_table) is seen by no one yet: load it directly.
  if (created?.[0] === true) return { rowsWritten: await load(copyInto(relname)) };
  await refuseWhatCannotBeKept(ctx, session, table, tableName);

  const fresh = besideName(relname, 'new');
  const freshName = `${q(schema)}.${q(fresh)}`;
  const [persistence] = await session.rows<[string]>('SELECT relpersistence FROM pg_catalog.pg_class WHERE oid = $1', [
    table.oid,
  ]);
  await session.exec(
    `CREATE ${persistence?.[0] === 'u' ? 'UNLOGGED ' : ''}TABLE ${freshName} (LIKE ${tableName} INCLUDING ALL)`,
  );
  const rowsWritten = await load(copyInto(fresh));
  ctx.reporter.phase?.('swapping');
  await session.exec(`ANALYZE ${freshName}`);
  await session.exec(`LOCK TABLE ${tableName} IN ACCESS EXCLUSIVE MODE`);
  const [freshOid] = await session.rows<[number]>('SELECT $1::regclass::oid::int8', [`${freshName}`]);
  const newOid = Number(freshOid?.[0]);
  const old = besideName(relname, 'old');

  // What LIKE does not copy, as statements on the target's name (which the new table has after the renames).
  const after = [
    // Views: their definitions, read before the rename, name the target; re-created they read the new table.
    ...(await statements(
      session,
      `SELECT format('CREATE OR REPLACE VIEW %I.%I%s AS %s', n.nspname, v.relname,
  CASE WHEN v.reloptions IS NULL THEN '' ELSE ' WITH (' || array_to_string(v.reloptions, ', ') || ')' END,
  rtrim(pg_catalog.pg_get_viewdef(v.oid), ';'))
FROM (SELECT DISTINCT r.ev_class FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
  WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refobjid = $1 AND r.ev_class <> $1) AS dep
JOIN pg_catalog.pg_class v ON v.oid = dep.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
WHERE v.relkind = 'v' ORDER BY v.oid`,
      [table.oid],
    )),
    // Table and column grants (PUBLIC is grantee 0).
    ...(await statements(
      session,
      `SELECT format('GRANT %s%s ON %s TO %s%s', a.privilege_type,
  CASE WHEN col IS NULL THEN '' ELSE format(' (%I)', col) END, $2::text,
  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
FROM (SELECT NULL::name AS col, (aclexplode(c.relacl)).* FROM pg_catalog.pg_class c WHERE c.oid = $1
  UNION ALL SELECT at.attname, (aclexplode(at.attacl)).* FROM pg_catalog.pg_attribute at
  WHERE at.attrelid = $1 AND at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL) AS a
WHERE a.grantee <> (SELECT relowner FROM pg_catalog.pg_class WHERE oid = $1)`,
      [table.oid, tableName],
    )),
    ...(await statements(
      session,
      `SELECT s FROM pg_catalog.pg_class c, LATERAL (VALUES
  (CASE WHEN c.relrowsecurity THEN format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', $2::text) END),
  (CASE WHEN c.relforcerowsecurity THEN format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', $2::text) END),
  (CASE WHEN obj_description(c.oid, 'pg_class') IS NOT NULL
    THEN format('COMMENT ON TABLE %s IS %L', $2::text, obj_description(c.oid, 'pg_class')) END)) AS v(s)
WHERE c.oid = $1 AND s IS NOT NULL`,
      [table.oid, tableName],
    )),
    ...(await statements(
      session,
      `SELECT format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', p.polname, $2::text,
  CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
  CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
  (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(r)) END, ', ') FROM unnest(p.polroles) AS r),
  CASE WHEN p.polqual IS NULL THEN '' ELSE ' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')' END,
  CASE WHEN p.polwithcheck IS NULL THEN '' ELSE ' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')' END)
FROM pg_catalog.pg_policy p WHERE p.polrelid = $1 ORDER BY p.oid`,
      [table.oid, tableName],
    )),
    ...(await statements(
      session,
      `SELECT s FROM pg_catalog.pg_trigger t, LATERAL (VALUES (pg_catalog.pg_get_triggerdef(t.oid)),
  (CASE t.tgenabled WHEN 'D' THEN format('ALTER TABLE %s DISABLE TRIGGER %I', $2::text, t.tgname)
    WHEN 'R' THEN format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', $2::text, t.tgname)
    WHEN 'A' THEN format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', $2::text, t.tgname) END)) AS v(s)
WHERE t.tgrelid = $1 AND NOT t.tgisinternal AND s IS NOT NULL ORDER BY t.oid`,
      [table.oid, tableName],
    )),
    ...(await statements(
      session,
      `SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2::text, conname, pg_catalog.pg_get_constraintdef(oid))
FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND contype = 'f' ORDER BY oid`,
      [table.oid, tableName],
    )),
    ...(await statements(
      session,
      `SELECT format('ALTER PUBLICATION %I ADD TABLE %s', p.pubname, $2::text)
FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid WHERE r.prrelid = $1`,
      [table.oid, tableName],
    )),
    // Serial columns: their sequences, owned by the old table's columns, would go with it.
    ...(await statements(
      session,
      `SELECT format('ALTER SEQUENCE %s OWNED BY %s.%I', d.objid::regclass, $2::text, a.attname)
FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refobjid = $1 AND d.deptype = 'a'`,
      [table.oid, tableName],
    )),
  ];
  // Identity columns: the new table's sequences go on from where the old ones were, and take their names.
  const identities = await session.rows<[string, string]>(
    `SELECT format('SELECT setval(%L, %s, %s)', n.seq, s.last_value, CASE WHEN s.is_called THEN 'true' ELSE 'false' END),
  format('ALTER SEQUENCE %s RENAME TO %I', n.seq, (SELECT relname FROM pg_catalog.pg_class WHERE oid = o.seq::regclass))
FROM pg_catalog.pg_attribute a
CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_serial_sequence($2::text, a.attname) AS seq) AS o
CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_serial_sequence($3::text, a.attname) AS seq) AS n
CROSS JOIN LATERAL (SELECT coalesce(ps.last_value, ps.start_value) AS last_value, ps.last_value IS NOT NULL AS is_called
  FROM pg_catalog.pg_sequences ps WHERE format('%I.%I', ps.schemaname, ps.sequencename)::regclass = o.seq::regclass) AS s
WHERE a.attrelid = $1 AND a.attidentity <> '' AND NOT a.attisdropped`,
    [table.oid, tableName, freshName],
  );
  for (const [setval] of identities) after.push(setval);
  const [owner] = await statements(
    session,
    `SELECT format('ALTER TABLE %s OWNER TO %I', $2::text, pg_catalog.pg_get_userbyid(relowner))
FROM pg_catalog.pg_class WHERE oid = $1 AND relowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)`,
    [table.oid, tableName],
  );
  // Old index (and constraint) names, to give the new table's matching indexes after the old table is gone.
  const indexKey = `i.indisunique, i.indisprimary, i.indkey::text, i.indclass::text, i.indoption::text,
  coalesce(pg_catalog.pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_catalog.pg_get_expr(i.indpred, i.indrelid), ''), c.relam`;
  const oldIndexes = await session.rows<[string, string | null, string]>(
    `SELECT c.relname, co.conname, concat_ws('|', ${indexKey}) FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid LEFT JOIN pg_catalog.pg_constraint co ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid
WHERE i.indrelid = $1`,
    [table.oid],
  );

  await session.exec(`ALTER TABLE ${tableName} RENAME TO ${q(old)}`);
  await session.exec(`ALTER TABLE ${freshName} RENAME TO ${q(relname)}`);
  for (const statement of after) await session.exec(statement);
  await session.exec(`DROP TABLE ${q(schema)}.${q(old)}`);
  for (const [, rename] of identities) await session.exec(rename);
  if (owner !== undefined) await session.exec(owner);
  const newIndexes = await session.rows<[string, string | null, string]>(
    `SELECT c.relname, co.conname, concat_ws('|', ${indexKey}) FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid LEFT JOIN pg_catalog.pg_constraint co ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid
WHERE i.indrelid = $1`,
    [newOid],
  );
  const unused = [...oldIndexes];
  for (const [name, constraint, key] of newIndexes) {
    const at = unused.findIndex((o) => o[2] === key);
    if (at < 0) continue;
    const [oldName, oldConstraint] = unused.splice(at, 1)[0] as [string, string | null, string];
    if (constraint !== null && oldConstraint !== null) {
      if (constraint !== oldConstraint) {
        await session.exec(`ALTER TABLE ${tableName} RENAME CONSTRAINT ${q(constraint)} TO ${q(oldConstraint)}`);
      }
      // Renaming a constraint renames its index to the same name; the old index may have had another.
      if (oldName !== oldConstraint)
        await session.exec(`ALTER INDEX ${q(schema)}.${q(oldConstraint)} RENAME TO ${q(oldName)}`);
    } else if (name !== oldName) {
      await session.exec(`ALTER INDEX ${q(schema)}.${q(name)} RENAME TO ${q(oldName)}`);
    }
  }
  ctx.reporter.log('info', `replaced ${tableName} with ${rowsWritten} rows`, { step: ctx.stepId, table: tableName });
  return { rowsWritten };
}

/** Refuses, before anything is loaded, a target whose swap would lose something or break something. */
async function refuseWhatCannotBeKept(
  ctx: StepContext,
  session: Session,
  table: CatalogTable,
  tableName: string,
): Promise<void> {
  if (table.relkind === 'p') throw refuse(ctx, tableName, 'its partitions');
  const [family] = await session.rows<[boolean]>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = $1 OR inhparent = $1)`,
    [table.oid],
  );
  if (family?.[0] === true) throw refuse(ctx, tableName, 'its place in an inheritance tree');
  const incoming = await session.rows<[string]>(
    `SELECT format('foreign key %I of %s', conname, conrelid::regclass) FROM pg_catalog.pg_constraint
WHERE confrelid = $1 AND contype = 'f' AND conrelid <> $1`,
    [table.oid],
  );
  if (incoming.length > 0) throw refuse(ctx, tableName, incoming.map((r) => r[0]).join(', '));
  // Anything else that depends on the table by its identity (not by its name): a view is re-created; the rest is refused.
  const dependents = await session.rows<[string]>(
    `SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
FROM pg_catalog.pg_depend d
LEFT JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objid
LEFT JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
LEFT JOIN pg_catalog.pg_constraint co ON d.classid = 'pg_catalog.pg_constraint'::regclass AND co.oid = d.objid
WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = $1 AND d.deptype = 'n'
  AND NOT coalesce(v.relkind = 'v' AND v.oid <> $1, false)
  AND NOT coalesce(co.contype IN ('f', 'c') AND co.conrelid = $1, false)
  AND d.classid <> 'pg_catalog.pg_policy'::regclass`,
    [table.oid],
  );
  if (dependents.length > 0) {
    throw refuse(ctx, tableName, `what depends on it: ${dependents.map((r) => r[0]).join('; ')}`);
  }
}
