/**
 * jose, the JOSE library that signs client assertions and DPoP proofs, loaded on first use with a
 * dynamic `import()` rather than a static import: jose is ESM only, and the CommonJS build would
 * otherwise `require` it when the package loads, which works only on Node 20.19+ (require of ESM).
 * A dynamic import loads it from CommonJS on every Node 20, and only with `authorizationMode:
 * "PrivateKey"`, so SSWS and Bearer users do not pay for it at start-up.
 */

/** The jose module, imported once. */
let loaded: Promise<typeof import("jose")> | undefined

/** jose, imported on the first call and shared afterwards. */
export const loadJose = (): Promise<typeof import("jose")> => {
  loaded ??= import("jose")
  return loaded
}
