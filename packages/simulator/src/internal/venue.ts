import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberMap from "effect/FiberMap"
import * as FiberSet from "effect/FiberSet"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as OkxSimulator from "../OkxSimulator.js"
import type { AccountRecord } from "./auth.js"
import * as internalSchema from "./schema.js"
import { envelope, error, messageOf, type Reply } from "./wire.js"

/** @internal */
export class SimulatorError extends Data.TaggedError("SimulatorError")<{ readonly message: string }> {}

/** `input` decoded by `schema`, or a `SimulatorError` naming its bad fields from `root`. */
const checked = <A, I>(schema: Schema.Schema<A, I>, root: string) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (input: unknown): Either.Either<A, SimulatorError> =>
    Either.mapLeft(decode(input), (e) => new SimulatorError({ message: internalSchema.problemOf(root, e) }))
}

const checkFaults = checked(internalSchema.Faults, "faults")
const checkQuotes = checked(internalSchema.CreateQuotes, "quotes")
const checkRfqs = checked(internalSchema.CreateRfqs, "rfqs")

/** @internal */
export const defaultValidForMs = 7 * 86_400_000

/** @internal */
export const countdownSpanMs = 3_000

/**
 * Records by the venue time they expire at, soonest first (a binary heap): each request takes the due ones off and
 * turns those still active `expired`, in O(log n) each, however many records there are.
 */
class Expiries<R extends { readonly validUntil: number }> {
  private readonly heap: Array<R> = []
  add(record: R): void {
    const heap = this.heap
    heap.push(record)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.validUntil <= record.validUntil) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = record
  }
  /** Takes off every record due at `now`, soonest first. */
  takeDue(now: number, onDue: (record: R) => void): void {
    const heap = this.heap
    while (heap.length > 0 && heap[0]!.validUntil <= now) {
      const due = heap[0]!
      const last = heap.pop()!
      if (heap.length > 0) {
        let i = 0
        while (true) {
          const left = 2 * i + 1
          if (left >= heap.length) break
          const right = left + 1
          const child = right < heap.length && heap[right]!.validUntil < heap[left]!.validUntil ? right : left
          if (heap[child]!.validUntil >= last.validUntil) break
          heap[i] = heap[child]!
          i = child
        }
        heap[i] = last
      }
      onDue(due)
    }
  }
  clear(): void {
    this.heap.length = 0
  }
}

interface QuoteRecord {
  /** Creation order (OKX's ids grow with time; the paging filters compare by it). */
  readonly seq: number
  readonly quoteId: string
  readonly clQuoteId: string
  readonly rfqId: string
  readonly userId: string
  state: OkxSimulator.QuoteState
  readonly cTime: number
  uTime: number
  /** Venue time at which an active quote expires. */
  readonly validUntil: number
}

interface RfqRecord {
  /** Creation order, as for quotes. */
  readonly seq: number
  readonly rfqId: string
  readonly clRfqId: string
  readonly userId: string
  state: OkxSimulator.RfqState
  readonly cTime: number
  uTime: number
  /** Venue time at which an active RFQ expires. */
  readonly validUntil: number
}

/** @internal */
export interface Limit {
  readonly requests: number
  readonly windowMs: number
}

/** @internal */
export interface Route {
  readonly method: "GET" | "POST"
  readonly auth: boolean
  readonly limit: Limit
  readonly handle: (ctx: HandlerContext) => Effect.Effect<Reply>
}

/** An item's refusal injected by the `itemError` fault. */
interface ItemError {
  readonly sCode: string
  readonly sMsg: string
}

/** @internal */
export interface HandlerContext {
  readonly userId: string
  readonly body: Record<string, unknown>
  readonly query: URLSearchParams
  readonly now: number
}

/** How much older than a window a place is kept: a request's body may come in that long after its arrival. */
const slowBodyMs = 60_000

/** @internal */
export const defaultLimits: Record<string, Limit> = {
  "/api/v5/public/time": { requests: 10, windowMs: 2000 },
  "/api/v5/rfq/quotes": { requests: 2, windowMs: 2000 },
  "/api/v5/rfq/rfqs": { requests: 2, windowMs: 2000 },
  "/api/v5/rfq/cancel-rfq": { requests: 5, windowMs: 2000 },
  "/api/v5/rfq/cancel-batch-rfqs": { requests: 2, windowMs: 2000 },
  "/api/v5/rfq/cancel-all-rfqs": { requests: 2, windowMs: 2000 },
  "/api/v5/rfq/cancel-quote": { requests: 50, windowMs: 2000 },
  "/api/v5/rfq/cancel-batch-quotes": { requests: 2, windowMs: 2000 },
  "/api/v5/rfq/cancel-all-quotes": { requests: 2, windowMs: 2000 },
  "/api/v5/rfq/cancel-all-after": { requests: 1, windowMs: 1000 },
  "/api/v5/rfq/mmp-reset": { requests: 5, windowMs: 2000 }
}

const quoteStates: ReadonlySet<string> = new Set(["active", "canceled", "pending_fill", "filled", "expired", "failed"])
const rfqStates: ReadonlySet<string> = new Set([...quoteStates, "traded_away"])

/** OKX's client-supplied ids (`clQuoteId`, `clRfqId`): 1 to 32 case-sensitive letters and digits. */
const clientId = /^[A-Za-z0-9]{1,32}$/

const isStringOrAbsent = (value: unknown): value is string | undefined =>
  value === undefined || value === null || typeof value === "string"

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 ? value : undefined

const batchReply = (items: ReadonlyArray<{ readonly sCode: string }>): Reply => {
  const ok = items.filter((item) => item.sCode === "0").length
  const code = ok === items.length ? "0" : ok === 0 ? "1" : "2"
  return envelope(code, items, messageOf(code), 200)
}

/** @internal */
export interface Venue {
  readonly accounts: ReadonlyMap<string, AccountRecord>
  readonly routes: Readonly<Record<string, Route>>
  readonly clock: Effect.Effect<{ readonly raw: number; readonly venue: number }>
  readonly faults: () => OkxSimulator.Faults
  /** Validates `faults` (its fields, and its endpoints: paths the venue serves, or `"*"`), then sets it. */
  readonly setFaults: (faults: unknown) => Effect.Effect<void, SimulatorError>
  readonly endpointFaults: (path: string) => OkxSimulator.EndpointFaults
  readonly random: Effect.Effect<number>
  readonly overLimit: (key: string, limit: Limit, at: number) => boolean
  readonly log: (entry: OkxSimulator.RequestLogEntry) => void
  /** Validates `input`, then creates the quotes (all or none). */
  readonly createQuotes: (input: unknown) => Effect.Effect<ReadonlyArray<OkxSimulator.Quote>, SimulatorError>
  /** Validates `input`, then creates the RFQs (all or none). */
  readonly createRfqs: (input: unknown) => Effect.Effect<ReadonlyArray<OkxSimulator.Rfq>, SimulatorError>
  readonly state: (requests?: number) => Effect.Effect<OkxSimulator.State>
  readonly reset: Effect.Effect<void>
}

/** @internal */
export const makeVenue = (options: OkxSimulator.Options): Effect.Effect<Venue, never, Scope.Scope> =>
  Effect.gen(function* () {
    const accounts = new Map<string, AccountRecord>(
      options.accounts.map((a) => [
        a.apiKey,
        { apiKey: a.apiKey, secretKey: a.secretKey, passphrase: a.passphrase, userId: a.userId, demo: a.demo === true }
      ])
    )
    const defaultUserId = options.accounts[0]?.userId ?? "1"
    const seed = options.seed ?? 1
    const paceMs = options.countdownPaceMs ?? 100
    const maxLog = Math.max(1, options.maxRequestLog ?? 100_000)
    const limits: Record<string, Limit> = { ...defaultLimits, ...options.limits }
    const countRejected = options.countRejected === true

    const quotes = new Map<string, QuoteRecord>()
    /** Per (User ID, RFQ): the user's latest quote created active on it, the only one that can still be active. */
    const latestOnRfq = new Map<string, QuoteRecord>()
    const rfqs = new Map<string, RfqRecord>()
    const quoteExpiries = new Expiries<QuoteRecord>()
    const rfqExpiries = new Expiries<RfqRecord>()
    /** Per (User ID, endpoint): the arrival times in the current window that take a place in it. */
    const counted = new Map<string, Array<number>>()
    const triggers = new Map<string, number>()
    let requests: Array<OkxSimulator.RequestLogEntry> = []
    let faults: OkxSimulator.Faults = options.faults ?? {}
    let random = Random.make(seed)
    let quoteSeq = 0
    let rfqSeq = 0

    const countdowns = yield* FiberMap.make<string>()
    const lapses = yield* FiberSet.make()

    const clock = Effect.map(Clock.currentTimeMillis, (raw) => ({ raw, venue: raw + (faults.clockOffsetMs ?? 0) }))
    const venueNow = Effect.map(clock, (c) => c.venue)
    /** A cancel-all-after epoch on the wire, in the unit the faults ask for (milliseconds by default). */
    const countdownEpoch = (millis: number): string =>
      String(faults.countdownUnit === "seconds" ? Math.floor(millis / 1000) : millis)

    /** Turns the quotes and RFQs whose `validUntil` is due at `now` and that are still active `expired`. */
    const expireDue = (now: number) => {
      const expire = (record: { state: string; uTime: number; readonly validUntil: number }) => {
        if (record.state !== "active") return
        record.state = "expired"
        record.uTime = record.validUntil
      }
      quoteExpiries.takeDue(now, expire)
      rfqExpiries.takeDue(now, expire)
    }

    const quoteView = (q: QuoteRecord): OkxSimulator.Quote => ({
      quoteId: q.quoteId,
      clQuoteId: q.clQuoteId,
      rfqId: q.rfqId,
      state: q.state,
      userId: q.userId,
      cTime: String(q.cTime),
      uTime: String(q.uTime),
      validUntil: String(q.validUntil)
    })
    const rfqView = (r: RfqRecord): OkxSimulator.Rfq => ({
      rfqId: r.rfqId,
      clRfqId: r.clRfqId,
      state: r.state,
      userId: r.userId,
      cTime: String(r.cTime),
      uTime: String(r.uTime),
      validUntil: String(r.validUntil)
    })

    const createQuotes = (unchecked: unknown) =>
      Effect.suspend(() => {
        const valid = checkQuotes(unchecked)
        return Either.isLeft(valid) ? Effect.fail(valid.left) : createValidQuotes(valid.right)
      })

    /** Creates quotes from an input already checked (the control API's bounds do not apply to `seedQuotes`). */
    const createValidQuotes = (input: OkxSimulator.CreateQuotesInput) =>
      Effect.flatMap(venueNow, (now) => {
        const specs: ReadonlyArray<OkxSimulator.QuoteSpec> =
          "quotes" in input
            ? input.quotes
            : Array.from({ length: input.count }, () => ({
                ...(input.userId !== undefined ? { userId: input.userId } : {}),
                ...(input.rfqId !== undefined ? { rfqId: input.rfqId } : {}),
                ...(input.validForMs !== undefined ? { validForMs: input.validForMs } : {})
              }))
        const created: Array<QuoteRecord> = []
        const createdIds = new Set<string>()
        for (const spec of specs) {
          const n = ++quoteSeq
          const quoteId = spec.quoteId ?? String(3_000_000_000 + n)
          if (quotes.has(quoteId) || createdIds.has(quoteId)) {
            return Effect.fail(new SimulatorError({ message: `quoteId ${quoteId} already exists` }))
          }
          createdIds.add(quoteId)
          created.push({
            seq: n,
            quoteId,
            clQuoteId: spec.clQuoteId ?? `simq${n}`,
            rfqId: spec.rfqId ?? String(2_000_000_000 + ++rfqSeq),
            userId: spec.userId ?? defaultUserId,
            state: spec.state ?? "active",
            cTime: now,
            uTime: now,
            validUntil: now + (spec.validForMs ?? defaultValidForMs)
          })
        }
        // an older quote past its validUntil is expired, not replaced
        expireDue(now)
        for (const q of created) {
          // as on OKX, a newer quote of a user on an RFQ replaces (cancels) their active one on it
          if (q.state === "active") {
            const key = JSON.stringify([q.userId, q.rfqId])
            const older = latestOnRfq.get(key)
            if (older !== undefined && older.state === "active") {
              older.state = "canceled"
              older.uTime = now
            }
            latestOnRfq.set(key, q)
          }
          quotes.set(q.quoteId, q)
          quoteExpiries.add(q)
        }
        return Effect.succeed(created.map(quoteView))
      })

    const createRfqs = (unchecked: unknown) =>
      Effect.flatMap(venueNow, (now) => {
        const valid = checkRfqs(unchecked)
        if (Either.isLeft(valid)) return Effect.fail(valid.left)
        const input = valid.right
        const specs: ReadonlyArray<OkxSimulator.RfqSpec> =
          "rfqs" in input
            ? input.rfqs
            : Array.from({ length: input.count }, () => ({
                ...(input.userId !== undefined ? { userId: input.userId } : {}),
                ...(input.validForMs !== undefined ? { validForMs: input.validForMs } : {})
              }))
        const created: Array<RfqRecord> = []
        const createdIds = new Set<string>()
        for (const spec of specs) {
          const n = ++rfqSeq
          const rfqId = spec.rfqId ?? String(2_000_000_000 + n)
          if (rfqs.has(rfqId) || createdIds.has(rfqId)) {
            return Effect.fail(new SimulatorError({ message: `rfqId ${rfqId} already exists` }))
          }
          createdIds.add(rfqId)
          created.push({
            seq: n,
            rfqId,
            clRfqId: spec.clRfqId ?? `simr${n}`,
            userId: spec.userId ?? defaultUserId,
            state: spec.state ?? "active",
            cTime: now,
            uTime: now,
            validUntil: now + (spec.validForMs ?? defaultValidForMs)
          })
        }
        for (const r of created) {
          rfqs.set(r.rfqId, r)
          rfqExpiries.add(r)
        }
        return Effect.succeed(created.map(rfqView))
      })

    /**
     * The user's quote named by `quoteId`, or else by `clQuoteId`: of the quotes with that client id (and on `rfqId`
     * when given), the active one, else the newest. A quote on another RFQ than `rfqId` is not found.
     */
    const findQuote = (
      userId: string,
      quoteId: string | undefined,
      clQuoteId: string | undefined,
      rfqId: string | undefined
    ) => {
      if (quoteId !== undefined) {
        const q = quotes.get(quoteId)
        return q !== undefined && q.userId === userId && (rfqId === undefined || q.rfqId === rfqId) ? q : undefined
      }
      let found: QuoteRecord | undefined
      for (const q of quotes.values()) {
        if (q.userId !== userId || q.clQuoteId !== clQuoteId || (rfqId !== undefined && q.rfqId !== rfqId)) continue
        if (found?.state !== "active") found = q
      }
      return found
    }

    const findRfq = (userId: string, rfqId: string | undefined, clRfqId: string | undefined) => {
      if (rfqId !== undefined) {
        const r = rfqs.get(rfqId)
        return r !== undefined && r.userId === userId ? r : undefined
      }
      let found: RfqRecord | undefined
      for (const r of rfqs.values()) {
        if (r.userId === userId && r.clRfqId === clRfqId && found?.state !== "active") found = r
      }
      return found
    }

    /**
     * The `itemError` fault of `path`, drawn for one item: the refusal an active item gets instead of being
     * cancelled (it stays active), or `undefined`.
     */
    const drawItemError = (path: string): Effect.Effect<ItemError | undefined> => {
      const fault = endpointFaults(path).itemError
      if (fault === undefined) return Effect.succeed(undefined)
      return Effect.map(random.next, (u) =>
        u < (fault.probability ?? 1) ? { sCode: fault.code, sMsg: fault.msg ?? messageOf(fault.code) } : undefined
      )
    }

    const cancelQuoteItem = (
      userId: string,
      now: number,
      quoteId: string | undefined,
      clQuoteId: string | undefined,
      rfqId: string | undefined,
      refused: ItemError | undefined
    ) => {
      const q = findQuote(userId, quoteId, clQuoteId, rfqId)
      if (q === undefined) {
        return { quoteId: quoteId ?? "", clQuoteId: clQuoteId ?? "", sCode: "70001", sMsg: messageOf("70001") }
      }
      if (q.state !== "active") {
        return { quoteId: q.quoteId, clQuoteId: q.clQuoteId, sCode: "70400", sMsg: messageOf("70400") }
      }
      if (refused !== undefined) return { quoteId: q.quoteId, clQuoteId: q.clQuoteId, ...refused }
      q.state = "canceled"
      q.uTime = now
      return { quoteId: q.quoteId, clQuoteId: q.clQuoteId, sCode: "0", sMsg: "" }
    }

    const cancelRfqItem = (
      userId: string,
      now: number,
      rfqId: string | undefined,
      clRfqId: string | undefined,
      refused: ItemError | undefined
    ) => {
      const r = findRfq(userId, rfqId, clRfqId)
      if (r === undefined) {
        return { rfqId: rfqId ?? "", clRfqId: clRfqId ?? "", sCode: "70000", sMsg: messageOf("70000") }
      }
      if (r.state !== "active") {
        return { rfqId: r.rfqId, clRfqId: r.clRfqId, sCode: "70200", sMsg: messageOf("70200", [r.state]) }
      }
      if (refused !== undefined) return { rfqId: r.rfqId, clRfqId: r.clRfqId, ...refused }
      r.state = "canceled"
      r.uTime = now
      return { rfqId: r.rfqId, clRfqId: r.clRfqId, sCode: "0", sMsg: "" }
    }

    const ids = (
      body: Record<string, unknown>,
      idField: string,
      clField: string,
      tooMany: string
    ):
      | { readonly _tag: "Error"; readonly reply: Reply }
      | { readonly _tag: "Ids"; readonly ids: ReadonlyArray<string>; readonly client: boolean } => {
      const primary = body[idField]
      const client = body[clField]
      for (const [name, value] of [
        [idField, primary],
        [clField, client]
      ] as const) {
        if (
          value !== undefined &&
          value !== null &&
          !(Array.isArray(value) && value.every((v) => typeof v === "string"))
        ) {
          return { _tag: "Error", reply: error("51000", name) }
        }
      }
      const list = (value: unknown): ReadonlyArray<string> => (Array.isArray(value) ? (value as Array<string>) : [])
      const useClient = list(primary).length === 0
      const chosen = useClient ? list(client) : list(primary)
      if (chosen.length === 0) return { _tag: "Error", reply: error("50015", idField, clField) }
      if (chosen.length > 100) return { _tag: "Error", reply: error(tooMany) }
      if (useClient ? !chosen.every((id) => clientId.test(id)) : chosen.includes("")) {
        return { _tag: "Error", reply: error("51000", useClient ? clField : idField) }
      }
      return { _tag: "Ids", ids: chosen, client: useClient }
    }

    /**
     * A batch cancel at `path`: the ids of the body's `idField` (or else `clField`; `tooMany` over 100), each
     * cancelled by `cancelOne` (`client`: by client id) with the endpoint's `itemError` drawn for it, once the
     * request is valid.
     */
    const cancelBatch = (
      ctx: HandlerContext,
      path: string,
      [idField, clField, tooMany]: readonly [idField: string, clField: string, tooMany: string],
      cancelOne: (id: string, client: boolean, refused: ItemError | undefined) => { readonly sCode: string }
    ): Effect.Effect<Reply> => {
      const parsed = ids(ctx.body, idField, clField, tooMany)
      if (parsed._tag === "Error") return Effect.succeed(parsed.reply)
      return Effect.map(
        Effect.forEach(parsed.ids, () => drawItemError(path)),
        (refusals) => batchReply(parsed.ids.map((id, i) => cancelOne(id, parsed.client, refusals[i])))
      )
    }

    const cancelActiveQuotesOf = (userId: string, now: number) => {
      let n = 0
      for (const q of quotes.values()) {
        if (q.userId === userId && q.state === "active") {
          q.state = "canceled"
          q.uTime = now
          n++
        }
      }
      return n
    }

    const lapse = (userId: string) =>
      Effect.gen(function* () {
        triggers.delete(userId)
        // what expired before the lapse takes no place in its run
        expireDue(yield* venueNow)
        const pending = Array.from(quotes.values())
          .filter((q) => q.userId === userId && q.state === "active")
          .map((q) => q.quoteId)
        // OKX: the cancellation "may take up to a few seconds", so a long run is paced closer. Quote i is due `i`
        // paces after the start; each wake-up cancels every quote due by then, so that a pace shorter than a timer
        // can sleep (5,000 quotes in 3 s) still ends on time
        const pace = Math.min(paceMs, countdownSpanMs / Math.max(1, pending.length - 1))
        const cancelOneByOne = Effect.gen(function* () {
          const start = (yield* clock).raw
          let next = 0
          while (next < pending.length) {
            const { raw, venue: now } = yield* clock
            expireDue(now)
            // the first one at once; the same sum decides what is due and how long to sleep for the next
            do {
              const q = quotes.get(pending[next]!)
              if (q !== undefined && q.state === "active") {
                q.state = "canceled"
                q.uTime = now
              }
              next++
            } while (next < pending.length && start + next * pace <= raw)
            if (next < pending.length) yield* Effect.sleep(Duration.millis(start + next * pace - raw))
          }
        })
        yield* FiberSet.run(lapses, cancelOneByOne)
      })

    /**
     * Runs (or re-runs) `userId`'s countdown to its `triggerTime` (read when the fiber starts, so that a re-arm or a
     * disable in between wins): it lapses when the venue clock reaches it. It sleeps on the Effect Clock for the time
     * left by the venue clock, so a change of `clockOffsetMs` re-runs it (`setFaults`).
     */
    const runCountdown = (userId: string) =>
      FiberMap.run(
        countdowns,
        userId
      )(
        Effect.suspend(() => {
          const triggerTime = triggers.get(userId)
          if (triggerTime === undefined) return Effect.void
          return Effect.flatMap(venueNow, (now) =>
            Effect.zipRight(Effect.sleep(Duration.millis(Math.max(0, triggerTime - now))), lapse(userId))
          )
        })
      )

    const stringParam = (body: Record<string, unknown>, name: string) => body[name]

    /**
     * A paging bound (`beginId`, `endId`) as a comparison with a record: a known id compares by creation order, an
     * unknown one numerically (OKX's ids are growing numbers; a record with another kind of id never matches it).
     */
    const bound = <R extends { readonly seq: number }>(
      records: ReadonlyMap<string, R>,
      id: string
    ): ((recordId: string, record: R) => number) | undefined => {
      const known = records.get(id)
      if (known !== undefined) return (_, record) => record.seq - known.seq
      if (!/^\d+$/.test(id)) return undefined
      const value = BigInt(id)
      return (recordId) =>
        /^\d+$/.test(recordId) ? Number(BigInt(recordId) > value) - Number(BigInt(recordId) < value) : Number.NaN
    }

    /** The client id filters, each with the venue's id that wins over it when both are given. */
    const venueIdOf: Readonly<Record<string, string>> = { clQuoteId: "quoteId", clRfqId: "rfqId" }

    /**
     * A GET list of the user's records, newest first: `state`, equality filters, `beginId` (only newer records) and
     * `endId` (only older), neither included, then the first `limit` (1–100, default 100); a bad value is 51000.
     */
    const listRecords = <R extends { readonly seq: number; readonly userId: string; readonly state: string }>(
      ctx: HandlerContext,
      records: ReadonlyMap<string, R>,
      states: ReadonlySet<string>,
      filters: ReadonlyArray<readonly [param: string, field: (record: R) => string]>,
      view: (record: R) => Record<string, unknown>
    ): Reply => {
      const q = ctx.query
      const limitParam = q.get("limit")
      let limit = 100
      if (limitParam !== null && limitParam !== "") {
        if (!/^\d+$/.test(limitParam) || Number(limitParam) < 1 || Number(limitParam) > 100) {
          return error("51000", "limit")
        }
        limit = Number(limitParam)
      }
      const state = nonEmpty(q.get("state"))
      if (state !== undefined && !states.has(state)) return error("51000", "state")
      const bounds: Array<readonly [compare: (recordId: string, record: R) => number, newer: boolean]> = []
      for (const [param, newer] of [
        ["beginId", true],
        ["endId", false]
      ] as const) {
        const id = nonEmpty(q.get(param))
        if (id === undefined) continue
        const compare = bound(records, id)
        if (compare === undefined) return error("51000", param)
        bounds.push([compare, newer])
      }
      const wanted: Array<readonly [value: string, field: (record: R) => string]> = []
      for (const [param, field] of filters) {
        const value = nonEmpty(q.get(param))
        if (value === undefined) continue
        const venueId = venueIdOf[param]
        if (venueId !== undefined) {
          // as in the cancels, the venue's id wins: with both, the client id is not looked at
          if (nonEmpty(q.get(venueId)) !== undefined) continue
          // a client id is checked as the cancels check it
          if (!clientId.test(value)) return error("51000", param)
        }
        wanted.push([value, field])
      }
      const data = Array.from(records)
        .filter(
          ([id, record]) =>
            record.userId === ctx.userId &&
            (state === undefined || record.state === state) &&
            wanted.every(([value, field]) => field(record) === value) &&
            bounds.every(([compare, newer]) => (newer ? compare(id, record) > 0 : compare(id, record) < 0))
        )
        .reverse()
        .slice(0, limit)
        .map(([, record]) => view(record))
      return envelope("0", data)
    }

    const routes: Record<string, Route> = {
      "/api/v5/public/time": {
        method: "GET",
        auth: false,
        limit: limits["/api/v5/public/time"]!,
        handle: (ctx) => Effect.succeed(envelope("0", [{ ts: String(ctx.now) }]))
      },
      "/api/v5/rfq/quotes": {
        method: "GET",
        auth: true,
        limit: limits["/api/v5/rfq/quotes"]!,
        handle: (ctx) =>
          Effect.sync(() =>
            listRecords(
              ctx,
              quotes,
              quoteStates,
              [
                ["quoteId", (x) => x.quoteId],
                ["clQuoteId", (x) => x.clQuoteId],
                ["rfqId", (x) => x.rfqId],
                ["clRfqId", (x) => rfqs.get(x.rfqId)?.clRfqId ?? ""]
              ],
              (x) => ({
                quoteId: x.quoteId,
                clQuoteId: x.clQuoteId,
                rfqId: x.rfqId,
                clRfqId: rfqs.get(x.rfqId)?.clRfqId ?? "",
                state: x.state,
                quoteSide: "buy",
                traderCode: "SIMMAKER",
                validUntil: String(x.validUntil),
                reason: "",
                cTime: String(x.cTime),
                uTime: String(x.uTime),
                legs: []
              })
            )
          )
      },
      "/api/v5/rfq/rfqs": {
        method: "GET",
        auth: true,
        limit: limits["/api/v5/rfq/rfqs"]!,
        handle: (ctx) =>
          Effect.sync(() =>
            listRecords(
              ctx,
              rfqs,
              rfqStates,
              [
                ["rfqId", (x) => x.rfqId],
                ["clRfqId", (x) => x.clRfqId]
              ],
              (x) => ({
                rfqId: x.rfqId,
                clRfqId: x.clRfqId,
                state: x.state,
                traderCode: "SIMTAKER",
                validUntil: String(x.validUntil),
                counterparties: [],
                legs: [],
                cTime: String(x.cTime),
                uTime: String(x.uTime)
              })
            )
          )
      },
      "/api/v5/rfq/cancel-quote": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/cancel-quote"]!,
        handle: (ctx) =>
          Effect.suspend(() => {
            const quoteId = stringParam(ctx.body, "quoteId")
            const clQuoteId = stringParam(ctx.body, "clQuoteId")
            const rfqId = stringParam(ctx.body, "rfqId")
            if (!isStringOrAbsent(quoteId)) return Effect.succeed(error("51000", "quoteId"))
            if (!isStringOrAbsent(clQuoteId)) return Effect.succeed(error("51000", "clQuoteId"))
            if (!isStringOrAbsent(rfqId)) return Effect.succeed(error("51000", "rfqId"))
            const id = nonEmpty(quoteId)
            const clId = nonEmpty(clQuoteId)
            if (id === undefined && clId === undefined) return Effect.succeed(error("50015", "quoteId", "clQuoteId"))
            if (id === undefined && clId !== undefined && !clientId.test(clId))
              return Effect.succeed(error("51000", "clQuoteId"))
            // drawn once the request is valid, so that a refused request leaves the seeded sequence alone
            return Effect.map(drawItemError("/api/v5/rfq/cancel-quote"), (refused) =>
              batchReply([cancelQuoteItem(ctx.userId, ctx.now, id, clId, nonEmpty(rfqId), refused)])
            )
          })
      },
      "/api/v5/rfq/cancel-batch-quotes": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/cancel-batch-quotes"]!,
        handle: (ctx) =>
          cancelBatch(
            ctx,
            "/api/v5/rfq/cancel-batch-quotes",
            ["quoteIds", "clQuoteIds", "70408"],
            (id, client, refused) =>
              client
                ? cancelQuoteItem(ctx.userId, ctx.now, undefined, id, undefined, refused)
                : cancelQuoteItem(ctx.userId, ctx.now, id, undefined, undefined, refused)
          )
      },
      "/api/v5/rfq/cancel-all-quotes": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/cancel-all-quotes"]!,
        handle: (ctx) =>
          Effect.sync(() =>
            cancelActiveQuotesOf(ctx.userId, ctx.now) === 0 ? error("70409") : envelope("0", [{ ts: String(ctx.now) }])
          )
      },
      "/api/v5/rfq/cancel-rfq": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/cancel-rfq"]!,
        handle: (ctx) =>
          Effect.suspend(() => {
            const rfqId = stringParam(ctx.body, "rfqId")
            const clRfqId = stringParam(ctx.body, "clRfqId")
            if (!isStringOrAbsent(rfqId)) return Effect.succeed(error("51000", "rfqId"))
            if (!isStringOrAbsent(clRfqId)) return Effect.succeed(error("51000", "clRfqId"))
            const id = nonEmpty(rfqId)
            const clId = nonEmpty(clRfqId)
            if (id === undefined && clId === undefined) return Effect.succeed(error("50015", "rfqId", "clRfqId"))
            if (id === undefined && clId !== undefined && !clientId.test(clId))
              return Effect.succeed(error("51000", "clRfqId"))
            // drawn once the request is valid, so that a refused request leaves the seeded sequence alone
            return Effect.map(drawItemError("/api/v5/rfq/cancel-rfq"), (refused) =>
              batchReply([cancelRfqItem(ctx.userId, ctx.now, id, clId, refused)])
            )
          })
      },
      "/api/v5/rfq/cancel-batch-rfqs": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/cancel-batch-rfqs"]!,
        handle: (ctx) =>
          cancelBatch(ctx, "/api/v5/rfq/cancel-batch-rfqs", ["rfqIds", "clRfqIds", "70203"], (id, client, refused) =>
            client
              ? cancelRfqItem(ctx.userId, ctx.now, undefined, id, refused)
              : cancelRfqItem(ctx.userId, ctx.now, id, undefined, refused)
          )
      },
      "/api/v5/rfq/cancel-all-rfqs": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/cancel-all-rfqs"]!,
        handle: (ctx) =>
          Effect.sync(() => {
            let n = 0
            for (const r of rfqs.values()) {
              if (r.userId === ctx.userId && r.state === "active") {
                r.state = "canceled"
                r.uTime = ctx.now
                n++
              }
            }
            return n === 0 ? error("70207") : envelope("0", [{ ts: String(ctx.now) }])
          })
      },
      // resets the user's market maker protection: the venue keeps no MMP state (a 70008 is injected with the
      // `itemError` fault), so it only answers, so that a client's reset after a 70008 works
      "/api/v5/rfq/mmp-reset": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/mmp-reset"]!,
        handle: (ctx) => Effect.succeed(envelope("0", [{ ts: String(ctx.now) }]))
      },
      "/api/v5/rfq/cancel-all-after": {
        method: "POST",
        auth: true,
        limit: limits["/api/v5/rfq/cancel-all-after"]!,
        handle: (ctx) =>
          Effect.suspend(() => {
            const raw = ctx.body.timeOut
            if (raw === undefined || raw === null || raw === "") return Effect.succeed(error("50014", "timeOut"))
            const text = typeof raw === "number" ? String(raw) : raw
            if (typeof text !== "string" || !/^\d+$/.test(text)) return Effect.succeed(error("51000", "timeOut"))
            const seconds = Number(text)
            if (seconds !== 0 && (seconds < 10 || seconds > 120)) return Effect.succeed(error("51000", "timeOut"))
            if (seconds === 0) {
              triggers.delete(ctx.userId)
              return Effect.as(
                FiberMap.remove(countdowns, ctx.userId),
                envelope("0", [{ triggerTime: "0", ts: countdownEpoch(ctx.now) }])
              )
            }
            const triggerTime = ctx.now + seconds * 1000
            triggers.set(ctx.userId, triggerTime)
            return Effect.as(
              runCountdown(ctx.userId),
              envelope("0", [{ triggerTime: countdownEpoch(triggerTime), ts: countdownEpoch(ctx.now) }])
            )
          })
      }
    }

    /** Whether a request arriving `at` is over `limit` for `key`; a request let through takes a place in the log. */
    const overLimit = (key: string, limit: Limit, at: number): boolean => {
      if (limit.requests === Number.POSITIVE_INFINITY) return false
      let list = counted.get(key)
      if (list === undefined) {
        list = []
        counted.set(key, list)
      }
      const from = at - limit.windowMs
      // a request whose body comes in slowly is decided after later arrivals: the places it counts are those of its
      // own window, so a later arrival only drops what is a minute older than its window, and later places count too
      let drop = 0
      while (drop < list.length && list[drop]! <= from - slowBodyMs) drop++
      if (drop > 0) list.splice(0, drop)
      // the first place inside the window (the list is in order)
      let first = 0
      let last = list.length
      while (first < last) {
        const mid = (first + last) >>> 1
        if (list[mid]! <= from) first = mid + 1
        else last = mid
      }
      const over = list.length - first >= limit.requests
      if (!over || countRejected) {
        // kept in order of arrival, a slow body's place before the later arrivals'
        let i = list.length
        while (i > 0 && list[i - 1]! > at) i--
        list.splice(i, 0, at)
      }
      return over
    }

    const log = (entry: OkxSimulator.RequestLogEntry) => {
      requests.push(entry)
      if (requests.length > maxLog + Math.ceil(maxLog / 10)) requests = requests.slice(requests.length - maxLog)
    }

    const endpointFaults = (path: string): OkxSimulator.EndpointFaults => {
      const all = faults.endpoints?.["*"]
      const own = faults.endpoints?.[path]
      return { ...all, ...own }
    }

    const state = (limitRequests?: number) =>
      Effect.map(venueNow, (now): OkxSimulator.State => {
        expireDue(now)
        const byUser: Record<string, { readonly triggerTime: string }> = {}
        for (const account of accounts.values()) byUser[account.userId] = { triggerTime: "0" }
        for (const [userId, t] of triggers) byUser[userId] = { triggerTime: String(t) }
        const tail = requests.length > maxLog ? requests.slice(requests.length - maxLog) : requests
        const n = limitRequests === undefined ? tail.length : Math.max(0, Math.min(limitRequests, tail.length))
        return {
          quotes: Array.from(quotes.values(), quoteView),
          rfqs: Array.from(rfqs.values(), rfqView),
          cancelAllAfter: byUser[defaultUserId] ?? { triggerTime: "0" },
          cancelAllAfterByUser: byUser,
          requests: n === tail.length ? tail.slice() : tail.slice(tail.length - n)
        }
      })

    const seedQuotes = options.seedQuotes ?? 0
    if (!Number.isSafeInteger(seedQuotes) || seedQuotes < 0 || seedQuotes > 1_000_000) {
      return yield* Effect.die(
        new SimulatorError({
          message: `seedQuotes: must be a whole number of quotes up to 1,000,000, got ${String(seedQuotes)}`
        })
      )
    }
    const initialise = Effect.gen(function* () {
      yield* FiberMap.clear(countdowns)
      yield* FiberSet.clear(lapses)
      quotes.clear()
      latestOnRfq.clear()
      rfqs.clear()
      quoteExpiries.clear()
      rfqExpiries.clear()
      counted.clear()
      triggers.clear()
      requests = []
      faults = options.faults ?? {}
      random = Random.make(seed)
      quoteSeq = 0
      rfqSeq = 0
      if (seedQuotes > 0) yield* Effect.orDie(createValidQuotes({ count: seedQuotes }))
    })
    yield* initialise

    /** A fault document decoded, each endpoint it names one the venue serves (a typo would never fire). */
    const validFaults = (input: unknown): Either.Either<OkxSimulator.Faults, SimulatorError> =>
      Either.flatMap(checkFaults(input), (valid) => {
        const unknown = Object.keys(valid.endpoints ?? {}).find((path) => path !== "*" && !Object.hasOwn(routes, path))
        return unknown === undefined
          ? Either.right(valid)
          : Either.left(
              new SimulatorError({
                message: `faults.endpoints[${JSON.stringify(unknown)}]: not an endpoint of the venue; one of ${Object.keys(routes).join(", ")}, or "*" for every one`
              })
            )
      })
    if (options.faults !== undefined) {
      const valid = validFaults(options.faults)
      if (Either.isLeft(valid)) return yield* Effect.die(valid.left)
    }

    // every OKX request first sees what expired by its arrival
    const expiringRoutes: Record<string, Route> = Object.fromEntries(
      Object.entries(routes).map(([path, route]) => [
        path,
        {
          ...route,
          handle: (ctx: HandlerContext) =>
            Effect.suspend(() => {
              expireDue(ctx.now)
              return route.handle(ctx)
            })
        }
      ])
    )

    return {
      accounts,
      routes: expiringRoutes,
      clock,
      faults: () => faults,
      setFaults: (unchecked) =>
        Effect.suspend(() => {
          const valid = validFaults(unchecked)
          if (Either.isLeft(valid)) return Effect.fail(valid.left)
          const next = valid.right
          const moved = (next.clockOffsetMs ?? 0) !== (faults.clockOffsetMs ?? 0)
          faults = next
          // the countdowns run to a venue time: a moved venue clock moves them
          return moved ? Effect.forEach(Array.from(triggers.keys()), runCountdown, { discard: true }) : Effect.void
        }),
      endpointFaults,
      random: Effect.suspend(() => random.next),
      overLimit,
      log,
      createQuotes,
      createRfqs,
      state,
      reset: initialise
    }
  })
