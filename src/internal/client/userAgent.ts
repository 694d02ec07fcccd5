import * as os from "node:os"

/** This package's version; a test checks it against package.json. */
export const libraryVersion = "0.1.0"

/** `effect-okta-sessions/<version> node/<version> <os>/<release>`, as Okta's SDKs format theirs. */
export const defaultUserAgent = `effect-okta-sessions/${libraryVersion} node/${process.versions.node} ${os.platform()}/${os.release()}`
