// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { draftFromToolArguments, extractYamlDraft } from './draft';

const PIPE = 'version: 0.0.1\nname: p\nsources: []\n';

describe('extractYamlDraft', () => {
  it.each([
    ['a yaml fence', `Here you go:\n\`\`\`yaml\n${PIPE}\`\`\`\nDone.`, PIPE],
    ['a yml fence with trailing words on the fence line', `\`\`\`yml title\n${PIPE}\`\`\``, PIPE],
    ['the last of two yaml fences', `\`\`\`yaml\nold: 1\n\`\`\`\nbetter:\n\`\`\`yaml\n${PIPE}\`\`\``, PIPE],
    ['an untagged fence that looks like a pipeline', `\`\`\`\n${PIPE}\`\`\``, PIPE],
    ['bare YAML starting with version', PIPE.trimEnd(), PIPE],
    ['a yaml fence before a shell fence', `\`\`\`yaml\n${PIPE}\`\`\`\n\`\`\`sh\nosiris compile\n\`\`\``, PIPE],
  ])('takes %s', (_, content, expected) => {
    expect(extractYamlDraft(content)).toBe(expected);
  });

  it.each([
    ['prose', 'Which schema holds the orders table?'],
    ['a shell fence only', '```sh\nosiris run pipeline.yaml\n```'],
    ['an untagged fence that is no pipeline', '```\nselect 1\n```'],
  ])('finds nothing in %s', (_, content) => {
    expect(extractYamlDraft(content)).toBeUndefined();
  });
});

describe('draftFromToolArguments', () => {
  it.each([
    ['{yaml}', { yaml: PIPE }, PIPE],
    ['{yaml} wrapped in a fence', { yaml: `\`\`\`yaml\n${PIPE}\`\`\`` }, PIPE],
    ['{pipeline: object}', { pipeline: { version: '0.0.1', name: 'p', sources: [] } }, PIPE],
    ['the pipeline object itself', { version: '0.0.1', name: 'p', sources: [] }, PIPE],
  ])('reads %s', (_, args, expected) => {
    expect(draftFromToolArguments(args)).toBe(expected);
  });

  it.each([[undefined], [null], ['text'], [{ yaml: '' }], [{ other: 1 }]])('finds nothing in %j', (args) => {
    expect(draftFromToolArguments(args)).toBeUndefined();
  });
});
