// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Connector } from '@osiris/runner';

/**
 * Connectors by component type, one per type, with the lookups the rest of
 * Osiris needs: by type (a step's `component`) and by the URL scheme of a
 * connection (`osiris discover @ref`). Immutable; {@link ConnectorSet.with}
 * returns a new set.
 */
export interface ConnectorSet {
  /** Every connector, one per type, in type order. */
  readonly list: readonly Connector[];
  /** The connector of a component type (`mysql.table`). */
  get(type: string): Connector | undefined;
  /**
   * The connector that declares the scheme of this URL in its `urlSchemes`
   * (`mariadb://…` → `mysql.table`), case-insensitively; undefined for a URL
   * without a scheme or a scheme no connector takes.
   */
  forUrl(url: string): Connector | undefined;
  /** The component types, in order. */
  types(): string[];
  /** This set with these connectors added, each replacing the one of its type. */
  with(connectors: readonly Connector[]): ConnectorSet;
}

const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

function compositionError(message: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Config, message, {
    hint: 'Each URL scheme belongs to one connector: compose the connector list so that no two claim the same one.',
  });
}

/**
 * A {@link ConnectorSet} of these connectors; a later one replaces an earlier
 * one of the same type, so `connectorSet([...builtinConnectors, mine])` is the
 * built-in set with `mine` added or swapped in. Throws an `OsirisError`
 * (Config) when two types claim one URL scheme or a scheme is malformed.
 *
 * @example
 * const set = connectorSet([...builtinConnectors, toyConnector]);
 * set.forUrl('toy:///tmp/data')?.type; // 'toy.table'
 */
export function connectorSet(connectors: readonly Connector[]): ConnectorSet {
  const byType = new Map<string, Connector>();
  for (const connector of connectors) byType.set(connector.type, connector);
  // Code-unit order, not localeCompare: the first collator of a process costs several ms, and a set is made when
  // the engine module loads.
  const list = [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const bySchemes = new Map<string, Connector>();
  for (const connector of list) {
    for (const scheme of connector.urlSchemes ?? []) {
      if (!SCHEME.test(scheme)) {
        throw compositionError(
          `connector ${connector.type} declares the URL scheme "${scheme}"; write schemes in lower case without "://"`,
        );
      }
      const other = bySchemes.get(scheme);
      if (other !== undefined) {
        throw compositionError(`connectors ${other.type} and ${connector.type} both take ${scheme}:// URLs`);
      }
      bySchemes.set(scheme, connector);
    }
  }
  const set: ConnectorSet = {
    list,
    get: (type) => byType.get(type),
    forUrl(url) {
      const scheme = URL_SCHEME.exec(url)?.[1]?.toLowerCase();
      return scheme === undefined ? undefined : bySchemes.get(scheme);
    },
    types: () => list.map((connector) => connector.type),
    with: (more) => (more.length === 0 ? set : connectorSet([...list, ...more])),
  };
  return set;
}
