// SPDX-License-Identifier: MIT
import { lintComponentsDir, OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import { diagnosticsJson } from '../json';
import { countLabel, type Output, table } from '../output';
import type { Action } from '../program';

export function registerComponents(program: Command, action: Action, deps: Composition): void {
  const components = program.command('components').description('List built-in components and show their spec cards.');

  components
    .command('list')
    .description('List components: name, version, modes, capabilities.')
    .option('--json', 'print JSON for scripts')
    .action(
      action((output: Output, options: { json?: boolean }) => {
        const specs = deps.registry().list();
        if (options.json) {
          output.json(
            specs.map(({ name, version, title, modes, capabilities }) => ({
              name,
              version,
              title,
              modes,
              capabilities,
            })),
          );
          return ExitCode.Success;
        }
        const rows = [['NAME', 'VERSION', 'MODES', 'CAPABILITIES', 'TITLE']];
        for (const spec of specs) {
          rows.push([spec.name, spec.version, spec.modes.join(','), spec.capabilities.join(',') || '-', spec.title]);
        }
        for (const line of table(rows)) output.out(line);
        return ExitCode.Success;
      }),
    );

  components
    .command('spec')
    .description("Print a component's full spec card.")
    .argument('<type>', 'component type, e.g. supabase.table')
    .option('--format <format>', 'json or yaml', 'yaml')
    .action(
      action((output: Output, type: string, options: { format: string }) => {
        if (options.format !== 'json' && options.format !== 'yaml') {
          throw new OsirisError(
            OsirisErrorCode.Validation,
            `--format ${options.format} is not valid; use json or yaml`,
          );
        }
        const registry = deps.registry();
        const spec = registry.get(type);
        if (!spec) {
          const suggestion = registry.suggest(type);
          throw new OsirisError(
            OsirisErrorCode.Validation,
            `unknown component type "${type}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
            {
              hint: `Known components: ${registry
                .list()
                .map((s) => s.name)
                .join(', ')}`,
            },
          );
        }
        if (options.format === 'json') output.json(spec);
        else output.io.stdout.write(output.redact(stringify(spec, { lineWidth: 0 })));
        return ExitCode.Success;
      }),
    );

  program
    .command('spec-lint')
    .description('Validate every spec card in a folder (default: the built-in cards).')
    .argument('[dir]', 'folder holding <type>/spec.yaml files')
    .option('--json', 'print the diagnostics as JSON')
    .action(
      action((output: Output, dir: string | undefined, options: { json?: boolean }) => {
        const { specs, diagnostics } = lintComponentsDir(dir);
        const failed = diagnostics.some((d) => d.severity === 'error');
        if (options.json)
          output.json({ ok: !failed, components: specs.map((s) => s.name), diagnostics: diagnosticsJson(diagnostics) });
        else {
          output.diagnostics(diagnostics);
          if (failed) output.err(output.red(`✗ ${countLabel(diagnostics)}`));
          else
            output.out(
              `${output.green('✓')} ${specs.length} spec card(s) valid: ${specs.map((s) => s.name).join(', ')}`,
            );
        }
        return failed ? ExitCode.Validation : ExitCode.Success;
      }),
    );
}
