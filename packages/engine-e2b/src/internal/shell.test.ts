// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { commandLine, quoteArg, splitCommandLine } from './shell';

describe('quoteArg / splitCommandLine', () => {
  it.each([
    ['plain', 'osiris-runner-0.1.0.mjs', 'osiris-runner-0.1.0.mjs'],
    ['empty', '', "''"],
    ['space', 'a b', "'a b'"],
    ['single quote', "it's", "'it'\\''s'"],
    ['shell characters', '$(rm -rf /); `x` | y > z', "'$(rm -rf /); `x` | y > z'"],
    ['json', '{"a":1}', `'{"a":1}'`],
  ])('%s', (_name, arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
    expect(splitCommandLine(quoted)).toEqual([arg]);
  });

  it('round-trips a command line', () => {
    const args = ['node', 'osiris-runner-0.0.0.mjs', '--run-id', 'r_20261127T143000Z_ab12cd', '--x', 'a \'b\' "c" $d'];
    expect(splitCommandLine(commandLine(args))).toEqual(args);
  });

  it.each([
    ['double quotes with escapes', '"a \\"b\\" \\\\ c"', ['a "b" \\ c']],
    ['backslash outside quotes', 'a\\ b c', ['a b', 'c']],
    ['several blanks', '  a \t b  ', ['a', 'b']],
    ['adjacent quoted parts', `a'b'"c"`, ['abc']],
  ])('splits %s', (_name, line, args) => {
    expect(splitCommandLine(line)).toEqual(args);
  });

  it.each([
    ['a pipe', 'node x | tee y'],
    ['a variable', 'node $HOME/x'],
    ['a variable in double quotes', 'node "$HOME"'],
    ['an unterminated quote', "node 'x"],
    ['a redirection', 'node x > y'],
  ])('refuses %s', (_name, line) => {
    expect(() => splitCommandLine(line)).toThrow();
  });
});
