/**
 * A test tracer that keeps every span it starts, with its attributes, events and exit, for tests that
 * read what a call showed of itself, or act at the moment a span ends.
 */
import type { Exit } from "effect"
import { Tracer } from "effect"

/** A span as this tracer keeps it: attributes, events and how it ended. */
export interface RecordedSpan extends Tracer.Span {
  readonly attributes: Map<string, unknown>
  readonly events: Array<{ readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }>
  exit: Exit.Exit<unknown, unknown> | undefined
}

/** A tracer that records every span it starts; `onEnd`, when given, is called as each span ends. */
export const recordingTracer = (onEnd?: (span: RecordedSpan) => void) => {
  const spans: Array<RecordedSpan> = []
  let nextId = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span: RecordedSpan = {
        _tag: "Span",
        name,
        spanId: `span${nextId++}`,
        traceId: "trace0000000000000000000000000000",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes: new Map(Object.entries(options?.attributes ?? {})),
        links,
        sampled: true,
        kind,
        events: [],
        exit: undefined,
        end: (_endTime, exit) => {
          span.exit = exit
          onEnd?.(span)
        },
        attribute: (key, value) => {
          span.attributes.set(key, value)
        },
        event: (eventName, _time, attributes) => {
          span.events.push({ name: eventName, attributes: attributes ?? {} })
        },
        addLinks: () => {}
      }
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}
