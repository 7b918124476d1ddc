/**
 * Source patches of dynalite's own modules, for functions that its modules call by name (so they cannot be
 * replaced from outside): each patch names the exact text it replaces, and {@link loadPatchedModule} compiles the
 * patched module into the require cache before dynalite loads it. A patch whose text is not found throws: the
 * patches follow the pinned dynalite version.
 */
import { readFileSync } from "node:fs";
import { Module } from "node:module";
import { dirname } from "node:path";

/** One text replacement in a module's source. */
export interface SourcePatch {
  /** The exact text to replace; it must occur exactly once. */
  find: string;
  replace: string;
}

/** dynalite's item-size function as `db/index.js` declares it (its queries and scans call it by name). */
const ITEM_SIZE_DECLARATION = "function itemSize (item, compress, addMetaSize, rangeKey) {";

/**
 * Sizes of frozen items (the stored items, decoded once and shared) remembered per item and argument combination;
 * other items (those of a request) are measured every time. The original body becomes `measuredItemSize`.
 */
export const REMEMBERED_ITEM_SIZES: SourcePatch[] = [
  {
    find: ITEM_SIZE_DECLARATION,
    replace: `var rememberedItemSizes = new WeakMap()
${ITEM_SIZE_DECLARATION}
  if (!Object.isFrozen(item)) return measuredItemSize(item, compress, addMetaSize, rangeKey)
  var sizes = rememberedItemSizes.get(item)
  if (!sizes) rememberedItemSizes.set(item, (sizes = new Map()))
  var key = (compress ? 'c' : '-') + (addMetaSize ? 'm' : '-') + (rangeKey == null ? '' : rangeKey)
  var size = sizes.get(key)
  if (size === undefined) sizes.set(key, (size = measuredItemSize(item, compress, addMetaSize, rangeKey)))
  return size
}
function measuredItemSize (item, compress, addMetaSize, rangeKey) {`,
  },
];

/**
 * A response body with the JSON text of each frozen item in its `Items` remembered per item: the same text as
 * `JSON.stringify(data)` (keys in order, undefined values left out, an undefined array element as null).
 */
const RESPONSE_JSON = `var rememberedItemTexts = new WeakMap()
function itemJson (item) {
  if (item === null || typeof item !== 'object' || !Object.isFrozen(item)) return JSON.stringify(item)
  var text = rememberedItemTexts.get(item)
  if (text === undefined) rememberedItemTexts.set(item, (text = JSON.stringify(item)))
  return text
}
function responseJson (data) {
  if (data === null || typeof data !== 'object' || Object.getPrototypeOf(data) !== Object.prototype ||
      !Array.isArray(data.Items) || typeof data.toJSON === 'function') return JSON.stringify(data)
  var parts = []
  Object.keys(data).forEach(function (key) {
    var value = data[key], text
    if (key === 'Items') {
      text = '[' + value.map(function (item) {
        var t = itemJson(item)
        return t === undefined ? 'null' : t
      }).join(',') + ']'
    }
    else text = JSON.stringify(value)
    if (text !== undefined) parts.push(JSON.stringify(key) + ':' + text)
  })
  return '{' + parts.join(',') + '}'
}
`;

/** `index.js`'s `sendData` serialises through {@link RESPONSE_JSON}. */
export const REMEMBERED_ITEM_TEXTS: SourcePatch[] = [
  {
    find: "function sendData (req, res, data, statusCode) {\n  var body = JSON.stringify(data)",
    replace: `${RESPONSE_JSON}function sendData (req, res, data, statusCode) {\n  var body = responseJson(data)`,
  },
];

/** The module type `require.cache` holds, with the internal `_compile` a patched source is compiled with. */
type CompilableModule = NodeJS.Module & { _compile(source: string, filename: string): void };

/**
 * Compiles `path` (resolved by `from`) with `patches` applied and puts it into the require cache, so every module
 * that requires it gets the patched one. A module already loaded is left as it is.
 */
export function loadPatchedModule(from: NodeJS.Require, path: string, patches: readonly SourcePatch[]): void {
  const filename = from.resolve(path);
  if (from.cache[filename]) return;
  let source = readFileSync(filename, "utf8");
  for (const { find, replace } of patches) {
    if (source.split(find).length !== 2) throw new Error(`dynalite tuning: ${filename} does not contain "${find}"`);
    source = source.replace(find, () => replace);
  }
  const mod = new Module(filename) as CompilableModule;
  mod.filename = filename;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(filename));
  mod._compile(source, filename);
  mod.loaded = true;
  from.cache[filename] = mod;
}
