// SPDX-License-Identifier: MIT
import { OML_VERSION } from '@osiris/compiler';
import { buildContext, renderContext } from '@osiris/context';
import type { Registry } from '@osiris/registry';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';

export const TOOL_SUBMIT = 'submit_pipeline';
export const TOOL_SPEC = 'get_component_spec';
export const TOOL_DISCOVER = 'discover_schema';

export interface PromptOptions {
  readonly registry: Registry;
  /** Offer `discover_schema`. */
  readonly discovery: boolean;
  /** Connection references the user has configured (names only, never values). */
  readonly connections?: readonly string[];
}

const rules = (discovery: boolean) => `OML rules:
- Top level: version: ${OML_VERSION}, name (lower-case letters, digits, _ and -), optional params (name: default), sources (one or more), sinks.
- Every step has exactly: id (lower-case letters, digits, _ and -; unique), type (a component below), mode (read for sources, write for sinks), connection, options, and for sinks optionally from (the source id; required with several sources).
- connection is a reference such as "@supabase". Never write credentials, URLs, hosts or passwords into the pipeline.
- options may hold only the fields the component declares below, with the listed types and enums; nothing else is accepted.
- String values may use \${params.name} for a declared param.
- write_mode: append inserts every row; write_mode: merge upserts and needs merge_keys (usually the primary key).
- Tables and columns must exist, spelt exactly as the database has them.${discovery ? ' Call discover_schema to see them before you draft.' : ''}`;

/**
 * The system prompt: the OML rules, how to answer, and the registry's compact
 * context (components, options, enums, defaults, rules, tiny examples).
 */
export function systemPrompt(options: PromptOptions): string {
  const connections =
    options.connections && options.connections.length > 0
      ? `\nConfigured connections: ${options.connections.join(', ')}.`
      : '';
  return `You are the Osiris pipeline assistant. You turn a data engineer's request into one pipeline file in OML (Osiris YAML).

${rules(options.discovery)}

Answer with the complete pipeline file: call ${TOOL_SUBMIT} with the YAML, or, if you cannot call tools, reply with the whole file in one \`\`\`yaml fenced block. If the request leaves something open, choose the usual default and say so in one sentence. When problems come back, fix every one and send the whole file again.${connections}

Components (compact JSON: options with types, enums and defaults; rules say when a field is required):
${renderContext(buildContext(options.registry))}`;
}

/** A reminder for a model that answered without a pipeline. */
export const NUDGE = `Please answer with the complete pipeline file now: call ${TOOL_SUBMIT}, or reply with the whole file in one \`\`\`yaml fenced block. Choose the usual defaults where the request leaves something open.`;

/** The tools offered to a model that supports them. */
export function chatTools(registry: Registry, discovery: boolean): ChatCompletionFunctionTool[] {
  const tools: ChatCompletionFunctionTool[] = [
    {
      type: 'function',
      function: {
        name: TOOL_SUBMIT,
        description:
          'Submit the complete pipeline file (OML YAML) for validation. The answer says whether it is valid or lists the problems to fix.',
        parameters: {
          type: 'object',
          additionalProperties: false,
          required: ['yaml'],
          properties: { yaml: { type: 'string', description: 'The whole pipeline file as YAML.' } },
        },
      },
    },
    {
      type: 'function',
      function: {
        name: TOOL_SPEC,
        description: "One component's full spec card: config JSON Schema, constraints and examples.",
        parameters: {
          type: 'object',
          additionalProperties: false,
          required: ['type'],
          properties: { type: { type: 'string', enum: registry.list().map((spec) => spec.name) } },
        },
      },
    },
  ];
  if (discovery) {
    tools.push({
      type: 'function',
      function: {
        name: TOOL_DISCOVER,
        description:
          'List the tables of a connection with their columns, types, nullability, primary keys and approximate row counts.',
        parameters: {
          type: 'object',
          additionalProperties: false,
          required: ['connection'],
          properties: {
            connection: { type: 'string', pattern: '^@[A-Za-z0-9_-]+$', description: 'A reference such as "@mysql".' },
            schema: { type: 'string', description: 'Only this schema (database for MySQL).' },
            table: { type: 'string', description: 'Only this table.' },
          },
        },
      },
    });
  }
  return tools;
}
