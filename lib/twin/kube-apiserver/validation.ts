/** Object-meta validation of the fake kube-apiserver (names, namespaces), answered with real-shaped 422s. */

import type { KubeObject, ResourceType } from "./resources.js";
import { invalid } from "./status.js";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks `metadata.name` (DNS subdomain; DNS label for namespaces) and label keys/values; throws a 422 ApiError. */
export function validateObjectMeta(type: ResourceType, object: KubeObject): void {
  const name = object.metadata.name ?? "";
  const causes: { reason: string; message: string; field: string }[] = [];
  if (name === "") {
    causes.push({
      reason: "FieldValueRequired",
      message: "Required value: name or generateName is required",
      field: "metadata.name",
    });
  } else if (
    type.plural === "namespaces"
      ? !DNS_LABEL.test(name) || name.length > 63
      : name.length > 253 || !DNS_SUBDOMAIN.test(name)
  ) {
    if (type.plural !== "events") {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: "${name}": a lowercase RFC 1123 ${type.plural === "namespaces" ? "label" : "subdomain"} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        field: "metadata.name",
      });
    }
  }
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    if (
      typeof value !== "string" ||
      value.length > 63 ||
      !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)
    ) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        field: `metadata.labels`,
      });
    }
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key) || key.length > 317) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
        field: "metadata.labels",
      });
    }
  }
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
}
