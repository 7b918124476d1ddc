/**
 * MIME multipart archives as cloud-init and nodeadm read them from EC2 user data. Pure.
 *
 * Karpenter (and Stevedore) merge their own bootstrap part into the user's user data by parsing the user's archive
 * into parts, then writing one archive whose last part is theirs (`boundary="//"`, as Karpenter's golden files).
 */

/** One part of a MIME multipart archive. */
export interface MimePart {
  /** e.g. `text/x-shellscript; charset="us-ascii"` or `application/node.eks.aws`. */
  contentType: string;
  /** The part's body, without its headers. */
  body: string;
}

/** The boundary Stevedore writes (Karpenter's). */
export const MIME_BOUNDARY = "//";

/** Thrown when user data claims to be MIME multipart but cannot be split into parts. */
export class InvalidMimeUserDataError extends Error {
  constructor(reason: string) {
    super(`user data is not a valid MIME multipart archive: ${reason}`);
    this.name = "InvalidMimeUserDataError";
  }
}

/** True when the text starts with MIME headers (`MIME-Version` or a multipart `Content-Type`). */
export function isMimeMultipart(text: string): boolean {
  const head = text.replace(/^\s+/, "").slice(0, 2000);
  return /^(MIME-Version:|Content-Type:\s*multipart\/)/i.test(head);
}

function splitHeaders(block: string): { headers: Map<string, string>; body: string } {
  const normalized = block.replace(/\r\n/g, "\n");
  const end = normalized.indexOf("\n\n");
  const headerText = end < 0 ? normalized : normalized.slice(0, end);
  const body = end < 0 ? "" : normalized.slice(end + 2);
  const headers = new Map<string, string>();
  let last = "";
  for (const line of headerText.split("\n")) {
    if (/^\s/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const idx = line.indexOf(":");
    if (idx <= 0) continue;
    last = line.slice(0, idx).trim().toLowerCase();
    headers.set(last, line.slice(idx + 1).trim());
  }
  return { headers, body };
}

/** Splits a MIME multipart archive into its parts (nested archives are flattened). */
export function parseMimeMultipart(text: string): MimePart[] {
  const { headers, body } = splitHeaders(text.replace(/^\s+/, ""));
  const contentType = headers.get("content-type") ?? "";
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!/^multipart\//i.test(contentType) || !m) {
    throw new InvalidMimeUserDataError("missing multipart Content-Type with a boundary");
  }
  const boundary = m[1];
  const delimiter = `--${boundary}`;
  const lines = body.split("\n");
  const parts: MimePart[] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) {
      if (current) parts.push(...toParts(current.join("\n")));
      current = undefined;
      closed = true;
      break;
    }
    if (trimmed === delimiter) {
      if (current) parts.push(...toParts(current.join("\n")));
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (!closed) throw new InvalidMimeUserDataError(`closing delimiter "${delimiter}--" not found`);
  return parts;
}

function toParts(raw: string): MimePart[] {
  const { headers, body } = splitHeaders(raw);
  const contentType = headers.get("content-type") ?? "text/plain";
  if (/^multipart\//i.test(contentType)) return parseMimeMultipart(raw);
  const encoding = (headers.get("content-transfer-encoding") ?? "").toLowerCase();
  const decoded = encoding === "base64" ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8") : body;
  return [{ contentType, body: decoded.replace(/\n*$/, "\n") }];
}

/** Writes parts as one MIME multipart archive with Karpenter's layout (`boundary="//"`). */
export function writeMimeMultipart(parts: MimePart[]): string {
  const out = ["MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`, ""];
  for (const part of parts) {
    out.push(`--${MIME_BOUNDARY}`, `Content-Type: ${part.contentType}`, "", part.body.replace(/\n+$/, ""));
  }
  out.push(`--${MIME_BOUNDARY}--`, "");
  return out.join("\n");
}
