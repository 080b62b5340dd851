/**
 * Writes shared/api-types.ts — TypeScript types of the API — from the OpenAPI document (built
 * from the contract registry, worker/openapi/; converter: worker/openapi/typescript.ts).
 *
 *   bash scripts/with-node.sh npx tsx scripts/openapi-types.ts           # write the file
 *   bash scripts/with-node.sh npx tsx scripts/openapi-types.ts --check   # fail if it is stale
 */
import { nodeFs, nodeProcess } from "./openapi-node-shims";

const OUT = "shared/api-types.ts";
const { buildOpenApiDocument } = await import("../worker/openapi/document");
const { openApiTypeScript } = await import("../worker/openapi/typescript");

const text = openApiTypeScript(buildOpenApiDocument());
if (nodeProcess.argv.includes("--check")) {
  const current = nodeFs.existsSync(OUT) ? nodeFs.readFileSync(OUT, "utf8") : "";
  if (current !== text) {
    console.error(`${OUT} is stale: run bash scripts/with-node.sh npx tsx scripts/openapi-types.ts`);
    nodeProcess.exitCode = 1;
  } else console.log(`${OUT} is current`);
} else {
  nodeFs.writeFileSync(OUT, text);
  console.log(`wrote ${OUT}`);
}
