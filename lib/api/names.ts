/**
 * Kubernetes name rules (qualified names, label values, DNS names) as message-returning checks:
 * each returns why the input is invalid, or `undefined` when it is valid.
 */

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A label/annotation/taint key: `[prefix/]name`, prefix a DNS subdomain ≤ 253, name ≤ 63 alphanumerics, `-_.`. */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return `${JSON.stringify(key)} is not a valid qualified name (at most one "/")`;
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0) return `${JSON.stringify(key)} is not a valid qualified name (empty prefix)`;
    if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return `${JSON.stringify(key)} is not a valid qualified name (prefix must be a lowercase DNS subdomain)`;
    }
  }
  if (name.length === 0) return `${JSON.stringify(key)} is not a valid qualified name (empty name)`;
  if (name.length > 63) return `${JSON.stringify(key)} is not a valid qualified name (name longer than 63 characters)`;
  if (!NAME_PART.test(name)) {
    return `${JSON.stringify(key)} is not a valid qualified name (alphanumerics, "-", "_", "." only; must start and end with an alphanumeric)`;
  }
  return undefined;
}

/** A label value: empty, or ≤ 63 alphanumerics and `-_.`, starting and ending with an alphanumeric. */
export function labelValueError(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63) return `${JSON.stringify(value)} is not a valid label value (longer than 63 characters)`;
  if (!NAME_PART.test(value)) {
    return `${JSON.stringify(value)} is not a valid label value (alphanumerics, "-", "_", "." only; must start and end with an alphanumeric)`;
  }
  return undefined;
}

/** An object name (`metadata.name`) that is a DNS subdomain: lowercase, ≤ 253. */
export function dnsSubdomainError(name: string): string | undefined {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return `${JSON.stringify(name)} is not a valid name (lowercase letters, digits, "-" and ".", at most 253 characters)`;
  }
  return undefined;
}

/** A DNS label (namespaces, container names): lowercase, ≤ 63, no dots. */
export function dnsLabelError(name: string): string | undefined {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    return `${JSON.stringify(name)} is not a valid DNS label (lowercase letters, digits and "-", at most 63 characters)`;
  }
  return undefined;
}
