// SPDX-License-Identifier: MIT
// The engine depends on a small Sandbox interface; the real e2b SDK's Sandbox must satisfy it.
// `pnpm typecheck` compiles this file, so an SDK release that breaks the contract fails the build.
import type { Sandbox as E2bSandbox } from 'e2b';
import { describe, expectTypeOf, it } from 'vitest';
import type { LocalProcessSandbox } from '../src/local-sandbox';
import type { Sandbox, SandboxCommandResult, SandboxFactory } from '../src/sandbox';

describe('the Sandbox contract', () => {
  it('is satisfied by the e2b SDK Sandbox', () => {
    expectTypeOf<E2bSandbox>().toExtend<Sandbox>();
    expectTypeOf<E2bSandbox['files']['read']>().toExtend<Sandbox['files']['read']>();
    expectTypeOf<E2bSandbox['files']['write']>().toExtend<Sandbox['files']['write']>();
    expectTypeOf<E2bSandbox['commands']['run']>().toExtend<Sandbox['commands']['run']>();
    expectTypeOf<E2bSandbox['kill']>().toExtend<Sandbox['kill']>();
    // What e2b's Sandbox.create resolves to can be returned by a factory.
    expectTypeOf<(template: string) => ReturnType<typeof E2bSandbox.create>>().toExtend<
      (template: string) => ReturnType<SandboxFactory>
    >();
  });

  it('is implemented by LocalProcessSandbox', () => {
    expectTypeOf<LocalProcessSandbox>().toExtend<Sandbox>();
    expectTypeOf<Awaited<ReturnType<LocalProcessSandbox['commands']['run']>>>().toExtend<SandboxCommandResult>();
  });
});
