// SPDX-License-Identifier: MIT
import { stringify } from 'yaml';

const FENCE = /```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g;
const LOOKS_LIKE_OML = /^(version|name|sources|sinks)\s*:/m;

/**
 * The pipeline in a model's plain message: the last fenced block tagged
 * `yaml`/`yml`, else the last untagged fenced block that looks like a
 * pipeline, else the whole message when it is bare YAML starting with
 * `version:`. Undefined when the message holds no draft.
 */
export function extractYamlDraft(content: string): string | undefined {
  const tagged: string[] = [];
  const untagged: string[] = [];
  for (const match of content.matchAll(FENCE)) {
    const tag = (match[1] ?? '').toLowerCase();
    const body = match[2] ?? '';
    if (tag === 'yaml' || tag === 'yml') tagged.push(body);
    else if (tag === '' && LOOKS_LIKE_OML.test(body)) untagged.push(body);
  }
  const block = tagged.at(-1) ?? untagged.at(-1);
  if (block !== undefined) return withNewline(block);
  const trimmed = content.trim();
  if (/^version\s*:/.test(trimmed) && /^sources\s*:/m.test(trimmed)) return withNewline(trimmed);
  return undefined;
}

/**
 * The pipeline carried by a `submit_pipeline` tool call: `{ yaml: "…" }`, or,
 * from models that prefer structured arguments, `{ pipeline: {…} }` or the
 * pipeline object itself (turned into YAML). Undefined when the arguments
 * hold none of these.
 */
export function draftFromToolArguments(args: unknown): string | undefined {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return undefined;
  const record = args as Record<string, unknown>;
  if (typeof record.yaml === 'string' && record.yaml.trim() !== '') {
    return extractYamlDraft(record.yaml) ?? withNewline(record.yaml.trim());
  }
  if (record.pipeline !== null && typeof record.pipeline === 'object') return stringify(record.pipeline);
  if (typeof record.pipeline === 'string' && record.pipeline.trim() !== '') return withNewline(record.pipeline.trim());
  if ('sources' in record) return stringify(record);
  return undefined;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
