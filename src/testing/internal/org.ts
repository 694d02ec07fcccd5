/**
 * One fake org: its state (ids, session lifetime, users and sessions, session tokens, admission,
 * counters, fault knobs), gathered so that the answering path and the test controls share it.
 */
import * as Effect from "effect/Effect"
import { Admission } from "./admission.js"
import { OrgCounters } from "./counters.js"
import { Directory } from "./directory.js"
import type { Faults } from "./faults.js"
import { makeOrgIds, type OrgIds } from "./orgIds.js"
import type { OrgSettings } from "./orgOptions.js"
import { SessionLifetime } from "./sessionLifetime.js"
import { SessionTokens } from "./sessionTokens.js"

/** The state of one org. */
export class Org {
  readonly lifetime: SessionLifetime
  readonly directory: Directory
  readonly tokens = new SessionTokens()
  readonly admission: Admission
  counters = new OrgCounters()
  faults: Faults
  readonly tokenLifetimeMillis: number
  readonly orgUrl: string

  constructor(readonly ids: OrgIds, settings: OrgSettings) {
    this.lifetime = new SessionLifetime(settings.idleMillis, settings.lifetimeMillis)
    this.directory = new Directory(ids, this.lifetime)
    this.admission = new Admission(settings.windows, settings.concurrencyLimit)
    this.faults = settings.faults
    this.tokenLifetimeMillis = settings.tokenLifetimeMillis
    this.orgUrl = settings.orgUrl
  }
}

/** A new org with these settings and a random id prefix. */
export const makeOrg = (settings: OrgSettings): Effect.Effect<Org> =>
  Effect.map(makeOrgIds, (ids) => new Org(ids, settings))
