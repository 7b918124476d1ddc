/**
 * Reads typed stack settings out of raw context/file values: patterned strings, one-of choices, integers and id
 * lists. Each problem becomes an issue naming the setting's source and the rule; the value then counts as unset
 * (or takes its fallback), so every problem is reported at once.
 */

/** Reads settings from `raw`, collecting issues; `where(key)` names a key's source in messages. */
export class SettingsReader {
  /** Every problem found so far. */
  readonly issues: string[] = [];

  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly where: (key: string) => string,
  ) {}

  /** Records a problem with `key`. */
  report(key: string, message: string): void {
    this.issues.push(`${this.where(key)}: ${message}`);
  }

  /** A string matching `pattern` (`rule` describes it); undefined when unset or invalid. */
  str(key: string, pattern: RegExp, rule: string, required = false): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") {
      if (required) this.report(key, `required (${rule}; pass -c ${key}=…)`);
      return undefined;
    }
    if (typeof v !== "string" || !pattern.test(v)) {
      this.report(key, `${JSON.stringify(v)} is not valid (${rule})`);
      return undefined;
    }
    return v;
  }

  /** One of `allowed`; `fallback` when unset or invalid. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw[key];
    if (v === undefined || v === "") return fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.report(key, `${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
      return fallback;
    }
    return v as T;
  }

  /** An integer (a number or a digit string) that passes `ok`; `fallback` when unset or invalid. */
  int(key: string, fallback: number, ok: (n: number) => boolean, rule: string): number {
    const v = this.raw[key];
    if (v === undefined || v === "") return fallback;
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || !ok(n)) {
      this.report(key, `${JSON.stringify(v)} is not valid (${rule})`);
      return fallback;
    }
    return n;
  }

  /** Distinct ids matching `pattern`, comma-separated or a JSON array; empty when unset or invalid. */
  ids(key: string, pattern: RegExp, rule: string): string[] {
    const v = this.raw[key];
    if (v === undefined || v === "") return [];
    let list: unknown = v;
    if (typeof v === "string") {
      list = v.trim().startsWith("[") ? safeJson(v) : v.split(",").map((s) => s.trim());
    }
    if (!Array.isArray(list) || list.some((x) => typeof x !== "string" || !pattern.test(x))) {
      this.report(key, `${JSON.stringify(v)} is not valid (${rule}, comma-separated or a JSON array)`);
      return [];
    }
    return [...new Set(list as string[])];
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
