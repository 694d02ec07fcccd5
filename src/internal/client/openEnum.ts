import * as Schema from "effect/Schema"

/**
 * An enum that Okta may extend: the known literals decode as themselves, any other string decodes
 * as an `UnknownValue`-branded string instead of failing the call.
 */
export const openEnum = <const Literals extends ReadonlyArray<string>>(
  identifier: string,
  literals: Literals
) =>
  Schema.Union(
    Schema.Literal(...literals),
    Schema.String.pipe(Schema.brand("UnknownValue"))
  ).annotations({ identifier })
