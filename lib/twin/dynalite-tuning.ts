/**
 * Makes in-process dynalite cheaper to serve from, without changing a byte it answers. At scale every controller
 * invocation lists all node claims, and dynalite decodes each stored item from JSON on every read and checksums
 * every response in JavaScript; those two were a quarter of a large twin run's CPU.
 *
 * - Stored values are decoded once per write instead of once per read: dynalite keeps each item as a JSON buffer
 *   in memory-level, and the decoded item is remembered per stored buffer (frozen, since every reader shares it;
 *   dynalite copies an item before changing it).
 * - The `x-amz-crc32` response checksum is computed by zlib's native CRC-32 (the same polynomial and value).
 * - The size of a stored item (which a query or scan adds up for every item it reads, to stop at 1 MB) is computed
 *   once per stored item and remembered: stored items are the frozen decoded values above, so it cannot change.
 *   Items that are not frozen (those of a request) are measured every time, as before.
 * - A response's items are serialised to JSON once per stored item and remembered the same way; the body is the
 *   same text `JSON.stringify` of the whole response gives.
 *
 * Applied to the modules dynalite loads, before it loads them: call {@link tuneDynalite} before requiring dynalite.
 */
import { createRequire } from "node:module";
import { crc32 } from "node:zlib";
import { loadPatchedModule, REMEMBERED_ITEM_SIZES, REMEMBERED_ITEM_TEXTS } from "./dynalite-source-patches.js";

/** What the tuning reads of a level-transcoder encoding. */
interface Encoding {
  format: string;
  name: string;
  decode(data: unknown): unknown;
}

/** What the tuning reads of memory-level's class. */
type LevelClass = new (options?: Record<string, unknown>) => { valueEncoding(encoding?: unknown): Encoding };

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** `encoding` with its decode remembered per stored buffer, for the JSON-over-buffer encoding only. */
function rememberingDecodes(encoding: Encoding, cache: WeakMap<object, unknown>): Encoding {
  if (encoding.name !== "json+buffer") return encoding;
  const decode = (data: unknown): unknown => {
    if (data === null || typeof data !== "object") return encoding.decode(data);
    let value = cache.get(data);
    if (value === undefined) cache.set(data, (value = deepFreeze(encoding.decode(data))));
    return value;
  };
  return Object.create(encoding, { decode: { value: decode } }) as Encoding;
}

let tuned = false;

/** Tunes the modules dynalite will load (once per process); `dynaliteRequire` resolves from dynalite's package. */
export function tuneDynalite(dynaliteRequire: NodeJS.Require): void {
  if (tuned) return;
  tuned = true;
  const dynaliteDir = dynaliteRequire.resolve("dynalite");
  const fromDynalite = createRequire(dynaliteDir);
  const checksum = fromDynalite("buffer-crc32") as { unsigned: (...args: unknown[]) => number };
  const jsUnsigned = checksum.unsigned;
  checksum.unsigned = (...args: unknown[]) =>
    args.length === 1 && (typeof args[0] === "string" || Buffer.isBuffer(args[0]))
      ? crc32(args[0] as string | Buffer)
      : jsUnsigned(...args);
  const memoryLevel = fromDynalite("memory-level") as { MemoryLevel: LevelClass };
  const Base = memoryLevel.MemoryLevel;
  memoryLevel.MemoryLevel = class RememberingMemoryLevel extends Base {
    private readonly decoded = new WeakMap<object, unknown>();
    private readonly wrapped = new Map<Encoding, Encoding>();
    override valueEncoding(encoding?: unknown): Encoding {
      const base = super.valueEncoding(encoding);
      let wrapped = this.wrapped.get(base);
      if (!wrapped) this.wrapped.set(base, (wrapped = rememberingDecodes(base, this.decoded)));
      return wrapped;
    }
  };
  // After memory-level's class is replaced: `db/index.js` takes it when it loads, and `index.js` loads `db/index.js`.
  loadPatchedModule(fromDynalite, "./db/index.js", REMEMBERED_ITEM_SIZES);
  loadPatchedModule(fromDynalite, "./index.js", REMEMBERED_ITEM_TEXTS);
}
