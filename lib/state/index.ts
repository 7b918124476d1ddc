/** `lib/state`: the DynamoDB state store, the state table's schema, and config sources. */
export * from "./claim-transitions.js";
export * from "./clients.js";
export * from "./config-documents.js";
export * from "./config-source.js";
export type { LastGoodConfig } from "./config-store.js";
export * from "./dynamo-store.js";
export * from "./errors.js";
export * from "./keys.js";
export * from "./ssm-parameters.js";
export * from "./table.js";
export * from "./types.js";
