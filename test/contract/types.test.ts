/**
 * The typed client's types (shared/api-types.ts) are generated from the contract: this fails when
 * a schema or route changed and the file was not regenerated
 * (bash scripts/with-node.sh npx tsx scripts/openapi-types.ts).
 */
import { describe, expect, it } from "vitest";
import committed from "../../shared/api-types.ts?raw";
import { buildOpenApiDocument } from "../../worker/openapi/document";
import { openApiTypeScript } from "../../worker/openapi/typescript";

describe("shared/api-types.ts", () => {
  it("is what the current contract generates", () => {
    const fresh = openApiTypeScript(buildOpenApiDocument());
    expect(committed === fresh, "stale: run bash scripts/with-node.sh npx tsx scripts/openapi-types.ts").toBe(true);
  });
});
