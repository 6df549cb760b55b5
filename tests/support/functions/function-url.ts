import type { LambdaFunctionURLEvent } from "aws-lambda";

/**
 * A Lambda Function URL event (payload format 2.0) as AWS sends it. Repeated query parameters are
 * joined with commas in `queryStringParameters`, as AWS does.
 */
export function functionUrlEvent(
  method: string,
  path: string,
  query: readonly (readonly [string, string])[] | Readonly<Record<string, string>> = [],
): LambdaFunctionURLEvent {
  const pairs = Array.isArray(query)
    ? (query as readonly (readonly [string, string])[])
    : Object.entries(query as Readonly<Record<string, string>>);
  const parameters: Record<string, string> = {};
  for (const [name, value] of pairs) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  const rawQueryString = pairs
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join("&");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString,
    headers: { host: "abcdefghij.lambda-url.us-east-1.on.aws", "x-forwarded-proto": "https" },
    queryStringParameters: pairs.length > 0 ? parameters : undefined,
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdefghij",
      domainName: "abcdefghij.lambda-url.us-east-1.on.aws",
      domainPrefix: "abcdefghij",
      http: {
        method,
        path,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "test",
      },
      requestId: "5f2c3b7e-1111-4c4c-9a9a-0123456789ab",
      routeKey: "$default",
      stage: "$default",
      time: "01/May/2024:13:45:00 +0000",
      timeEpoch: 1_714_571_100_000,
    },
    isBase64Encoded: false,
  };
}
