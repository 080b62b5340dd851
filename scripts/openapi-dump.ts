/**
 * Writes the OpenAPI document (built from the registry, no server needed) to a file or stdout:
 *   bash scripts/with-node.sh npx tsx scripts/openapi-dump.ts [out.json]
 * Used by scripts/lint-openapi.sh and scripts/openapi-types.ts.
 */
import { nodeFs, nodeProcess } from "./openapi-node-shims";

const { buildOpenApiDocument } = await import("../worker/openapi/document");
const text = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
const out = nodeProcess.argv[2];
if (out) nodeFs.writeFileSync(out, text);
else nodeProcess.stdout.write(text);
