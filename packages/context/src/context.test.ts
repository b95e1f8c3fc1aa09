// SPDX-License-Identifier: MIT
import { loadRegistry } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { buildContext, compactSpec, contextSize, renderContext } from './context';

const registry = loadRegistry();

describe('LLM context', () => {
  it('is deterministic and small', () => {
    const text = renderContext(buildContext(registry));
    expect(renderContext(buildContext(loadRegistry()))).toBe(text);
    expect(contextSize(text).tokens).toBeLessThan(2000);
    expect(text).not.toMatch(/description|title/);
  });

  it('compact form of mysql.table', () => {
    const spec = registry.get('mysql.table');
    if (!spec) throw new Error('mysql.table missing');
    expect(compactSpec(spec)).toMatchInlineSnapshot(`
      {
        "capabilities": [
          "discovery",
        ],
        "examples": [
          {
            "connection": "@mysql",
            "id": "orders",
            "mode": "read",
            "options": {
              "columns": [
                "id",
                "customer_id",
                "amount",
                "updated_at",
              ],
              "filters": [
                {
                  "column": "updated_at",
                  "op": "gte",
                  "value": "2026-01-01",
                },
              ],
              "schema": "shop",
              "table": "orders",
            },
            "type": "mysql.table",
          },
          {
            "connection": "@mysql",
            "id": "shop",
            "mode": "read",
            "options": {
              "exclude": [
                "audit_*",
              ],
              "schema": "shop",
              "tables": [
                "*",
              ],
            },
            "type": "mysql.table",
          },
        ],
        "modes": [
          "read",
          "write",
        ],
        "name": "mysql.table",
        "options": {
          "columns": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "create_table": {
            "default": false,
            "type": "boolean",
          },
          "exclude": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "filters": {
            "items": {
              "fields": {
                "column": {
                  "type": "string",
                },
                "op": {
                  "enum": [
                    "eq",
                    "ne",
                    "lt",
                    "lte",
                    "gt",
                    "gte",
                    "in",
                    "not_in",
                    "like",
                    "is_null",
                    "is_not_null",
                  ],
                },
                "value": {
                  "items": {
                    "type": [
                      "string",
                      "number",
                      "boolean",
                    ],
                  },
                  "type": [
                    "string",
                    "number",
                    "boolean",
                    "array",
                  ],
                },
              },
              "required": [
                "column",
                "op",
              ],
              "type": "object",
            },
            "type": "array",
          },
          "incremental": {
            "fields": {
              "cursor": {
                "items": {
                  "type": "string",
                },
                "minItems": 1,
                "type": [
                  "string",
                  "array",
                ],
              },
              "initial": {
                "type": [
                  "string",
                  "number",
                ],
              },
              "lag": {
                "type": [
                  "string",
                  "number",
                ],
              },
            },
            "required": [
              "cursor",
            ],
            "type": "object",
          },
          "merge_keys": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "query": {
            "type": "string",
          },
          "query_params": {
            "type": "object",
          },
          "schema": {
            "type": "string",
          },
          "table": {
            "type": "string",
          },
          "tables": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "write_mode": {
            "default": "append",
            "enum": [
              "append",
              "merge",
              "replace",
            ],
          },
        },
        "required": [],
        "rules": [
          {
            "exactlyOne": [
              "options.table",
              "options.tables",
              "options.query",
            ],
            "when": {
              "mode": "read",
            },
          },
          {
            "must": {
              "options.columns": {
                "required": false,
              },
              "options.filters": {
                "required": false,
              },
            },
            "when": {
              "options.query": {
                "present": true,
              },
            },
          },
          {
            "must": {
              "options.table": {
                "required": true,
              },
            },
            "when": {
              "mode": "write",
            },
          },
          {
            "must": {
              "options.exclude": {
                "required": false,
              },
              "options.query": {
                "required": false,
              },
              "options.query_params": {
                "required": false,
              },
              "options.tables": {
                "required": false,
              },
            },
            "when": {
              "mode": "write",
            },
          },
          {
            "must": {
              "options.merge_keys": {
                "minItems": 1,
                "required": true,
              },
            },
            "when": {
              "mode": "write",
              "options.write_mode": "merge",
            },
          },
          {
            "must": {
              "options.create_table": {
                "required": false,
              },
              "options.merge_keys": {
                "required": false,
              },
              "options.write_mode": {
                "required": false,
              },
            },
            "when": {
              "mode": "read",
            },
          },
          {
            "must": {
              "options.columns": {
                "required": false,
              },
              "options.filters": {
                "required": false,
              },
            },
            "when": {
              "mode": "write",
            },
          },
          {
            "must": {
              "options.incremental": {
                "required": false,
              },
            },
            "when": {
              "mode": "write",
            },
          },
        ],
        "version": "0.1.0",
      }
    `);
  });

  it('compact form of supabase.table', () => {
    const spec = registry.get('supabase.table');
    if (!spec) throw new Error('supabase.table missing');
    expect(compactSpec(spec)).toMatchInlineSnapshot(`
      {
        "capabilities": [
          "discovery",
          "in_memory_move",
        ],
        "examples": [
          {
            "connection": "@supabase",
            "id": "orders_out",
            "mode": "write",
            "options": {
              "merge_keys": [
                "id",
              ],
              "schema": "public",
              "table": "orders",
              "write_mode": "merge",
            },
            "type": "supabase.table",
          },
          {
            "connection": "@supabase",
            "id": "customers",
            "mode": "read",
            "options": {
              "filters": [
                {
                  "column": "active",
                  "op": "eq",
                  "value": true,
                },
              ],
              "table": "customers",
            },
            "type": "supabase.table",
          },
        ],
        "modes": [
          "read",
          "write",
        ],
        "name": "supabase.table",
        "options": {
          "columns": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "create_table": {
            "default": false,
            "type": "boolean",
          },
          "deletes": {
            "enum": [
              "ignore",
              "soft",
              "hard",
            ],
          },
          "exclude": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "filters": {
            "items": {
              "fields": {
                "column": {
                  "type": "string",
                },
                "op": {
                  "enum": [
                    "eq",
                    "ne",
                    "lt",
                    "lte",
                    "gt",
                    "gte",
                    "in",
                    "not_in",
                    "like",
                    "is_null",
                    "is_not_null",
                  ],
                },
                "value": {
                  "items": {
                    "type": [
                      "string",
                      "number",
                      "boolean",
                    ],
                  },
                  "type": [
                    "string",
                    "number",
                    "boolean",
                    "array",
                  ],
                },
              },
              "required": [
                "column",
                "op",
              ],
              "type": "object",
            },
            "type": "array",
          },
          "incremental": {
            "fields": {
              "cursor": {
                "items": {
                  "type": "string",
                },
                "minItems": 1,
                "type": [
                  "string",
                  "array",
                ],
              },
              "initial": {
                "type": [
                  "string",
                  "number",
                ],
              },
              "lag": {
                "type": [
                  "string",
                  "number",
                ],
              },
            },
            "required": [
              "cursor",
            ],
            "type": "object",
          },
          "indexes": {
            "type": "boolean",
          },
          "max_rejects": {
            "default": 0,
            "type": "integer",
          },
          "merge_keys": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "query": {
            "type": "string",
          },
          "query_params": {
            "type": "object",
          },
          "schema": {
            "default": "public",
            "type": "string",
          },
          "schema_changes": {
            "enum": [
              "add_columns",
              "fail",
            ],
          },
          "state_schema": {
            "type": "string",
          },
          "table": {
            "type": "string",
          },
          "tables": {
            "items": {
              "type": "string",
            },
            "minItems": 1,
            "type": "array",
          },
          "types": {
            "type": "object",
          },
          "write_mode": {
            "default": "append",
            "enum": [
              "append",
              "merge",
              "replace",
            ],
          },
        },
        "required": [],
        "rules": [
          {
            "must": {
              "options.columns": {
                "required": false,
              },
              "options.filters": {
                "required": false,
              },
            },
            "when": {
              "mode": "read",
              "options.query": {
                "present": true,
              },
            },
          },
          {
            "must": {
              "options.query": {
                "required": false,
              },
              "options.query_params": {
                "required": false,
              },
            },
            "when": {
              "mode": "write",
            },
          },
          {
            "must": {
              "options.merge_keys": {
                "minItems": 1,
                "required": true,
              },
            },
            "when": {
              "mode": "write",
              "options.write_mode": "merge",
            },
          },
          {
            "must": {
              "options.table": {
                "required": true,
              },
            },
            "when": {
              "mode": "write",
            },
          },
          {
            "must": {
              "options.exclude": {
                "required": false,
              },
              "options.tables": {
                "required": false,
              },
            },
            "when": {
              "mode": "write",
            },
          },
          {
            "exactlyOne": [
              "options.table",
              "options.tables",
              "options.query",
            ],
            "when": {
              "mode": "read",
            },
          },
          {
            "must": {
              "options.create_table": {
                "required": false,
              },
              "options.deletes": {
                "required": false,
              },
              "options.indexes": {
                "required": false,
              },
              "options.max_rejects": {
                "required": false,
              },
              "options.merge_keys": {
                "required": false,
              },
              "options.schema_changes": {
                "required": false,
              },
              "options.state_schema": {
                "required": false,
              },
              "options.types": {
                "required": false,
              },
              "options.write_mode": {
                "required": false,
              },
            },
            "when": {
              "mode": "read",
            },
          },
          {
            "must": {
              "options.incremental": {
                "required": false,
              },
            },
            "when": {
              "mode": "write",
            },
          },
          {
            "must": {
              "options.write_mode": {
                "const": "merge",
                "required": true,
              },
            },
            "when": {
              "mode": "write",
              "options.deletes": [
                "soft",
                "hard",
              ],
            },
          },
          {
            "must": {
              "options.columns": {
                "required": false,
              },
              "options.filters": {
                "required": false,
              },
            },
            "when": {
              "mode": "write",
            },
          },
        ],
        "version": "0.1.0",
      }
    `);
  });
});
