// SPDX-License-Identifier: MIT

/**
 * The files of the built-in components folder, keyed by their path in it, in a bundle that carries this
 * package (the `osiris` binary, the e2b runner): a bundle has no package folder beside it to read them
 * from, so its build puts them here instead (`selfContainedBundle` in tsup.config.base.ts replaces this
 * module by its path). Undefined in the package itself, which reads the folder.
 */
export const embeddedComponents: Readonly<Record<string, string>> | undefined = undefined;
