/**
 * XML rendering for EC2 Query responses. Response bodies are plain objects keyed by the XML element names the
 * SDK expects (`instanceId`, `tagSet`, …); arrays become `<name><item>…</item></name>` lists.
 */

/** A renderable value; `undefined`/`null` members are left out. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlObject | XmlList | XmlValue[];

/** A structure: element name → value. */
export interface XmlObject {
  [element: string]: XmlValue;
}

/** A list whose members are not named `item` (a few EC2 shapes use other member names). */
export class XmlList {
  constructor(
    readonly items: XmlValue[],
    readonly member: string,
  ) {}
}

/** The EC2 API namespace of the 2016-11-15 version. */
export const EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** A character {@link escapeXml} replaces (most values have none, and are returned as they are). */
const NEEDS_ESCAPE = /[&<>"']/;

/** Escapes text for XML content. */
export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function scalar(value: string | number | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/** Renders one element and its children. */
export function renderElement(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (value instanceof XmlList) {
    return `<${name}>${value.items.map((item) => renderElement(value.member, item)).join("")}</${name}>`;
  }
  if (Array.isArray(value)) return `<${name}>${value.map((item) => renderElement("item", item)).join("")}</${name}>`;
  if (typeof value === "object" && !(value instanceof Date)) return `<${name}>${renderChildren(value)}</${name}>`;
  return `<${name}>${scalar(value)}</${name}>`;
}

/** Renders the members of a structure. */
export function renderChildren(object: XmlObject): string {
  let out = "";
  for (const [key, value] of Object.entries(object)) out += renderElement(key, value);
  return out;
}

/** A successful EC2 response document `<{Action}Response>` with its `requestId`. */
export function ec2ResponseXml(action: string, requestId: string, body: XmlObject): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}">` +
    `<requestId>${requestId}</requestId>${renderChildren(body)}</${action}Response>`
  );
}

/** An EC2 error document. */
export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
  );
}

/** EC2's tag list shape. */
export function tagSet(tags: ReadonlyMap<string, string>): XmlObject[] {
  return [...tags].map(([key, value]) => ({ key, value }));
}
