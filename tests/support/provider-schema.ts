import * as fs from "node:fs";
import * as path from "node:path";

/**
 * What the installed provider SDKs say a resource type accepts, read from their type definitions,
 * so "every taggable resource is tagged" does not depend on a hand-kept list that can go stale.
 */

const PULUMI_PACKAGES = path.resolve(__dirname, "..", "..", "node_modules", "@pulumi");

const TOKEN = /^(aws|awsx):([A-Za-z0-9]+)(?:\/([A-Za-z0-9]+))?:([A-Za-z0-9]+)$/;

const cache = new Map<string, string | undefined>();

/** The text of `export interface <Resource>Args { ... }`, or undefined for non-provider types. */
export function argsInterface(type: string): string | undefined {
  if (cache.has(type)) {
    return cache.get(type);
  }
  const match = TOKEN.exec(type);
  let result: string | undefined;
  if (match !== null) {
    const [, pkg, module, file, className] = match;
    const fileName = file ?? `${className.charAt(0).toLowerCase()}${className.slice(1)}`;
    const source = fs.readFileSync(
      path.join(PULUMI_PACKAGES, pkg, module, `${fileName}.d.ts`),
      "utf8",
    );
    const start = source.indexOf(`export interface ${className}Args {`);
    if (start < 0) {
      throw new Error(`No ${className}Args interface in @pulumi/${pkg}/${module}/${fileName}.d.ts`);
    }
    result = source.slice(start, source.indexOf("\n}", start));
  }
  cache.set(type, result);
  return result;
}

/** Whether the resource type takes the input property, per its provider SDK. */
export function acceptsInput(type: string, property: string): boolean {
  const args = argsInterface(type);
  return args !== undefined && new RegExp(`\\n\\s+${property}\\??:`).test(args);
}

/** Whether the resource type takes `tags`. */
export function acceptsTags(type: string): boolean {
  return acceptsInput(type, "tags");
}

/** The input that holds a resource's physical name, if it has one. */
export function physicalNameInput(type: string): string | undefined {
  if (type === "aws:s3/bucket:Bucket") {
    return "bucket";
  }
  return type.startsWith("aws:") && acceptsInput(type, "name") ? "name" : undefined;
}
