// SPDX-License-Identifier: MIT

const plain = /^[A-Za-z_][A-Za-z0-9_.@-]*$/;
const reserved = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', '~']);

/** A value as short flow-style YAML, for the `example:` line of a diagnostic. */
export function inlineYaml(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    return plain.test(value) && !reserved.has(value.toLowerCase()) ? value : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(inlineYaml).join(', ')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value).map(([key, member]) => `${inlineYaml(key)}: ${inlineYaml(member)}`);
    return `{ ${members.join(', ')} }`;
  }
  return String(value);
}
