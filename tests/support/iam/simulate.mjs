// Evaluates IAM requests against identity policies with @cloud-copilot/iam-simulate, offline.
// stdin: {"module": "<path of the package's ESM entry>", "policies": [{"name", "policy"}],
//         "resourcePolicy": <the resource's own policy, a role's trust policy say, or null>,
//         "boundary": <the principal's permissions boundary policy, or null>,
//         "requests": [{"principal", "action", "resource", "accountId", "context"}]}
// stdout: [{"result": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | "Error", "errors": ...}], in order.
// An unknown action, resource type or condition key is an "Error", never a deny.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const input = JSON.parse(readFileSync(0, "utf8"));
const { runSimulation, allowedContextKeysForRequest } = await import(pathToFileURL(input.module).href);
const results = [];
for (const request of input.requests) {
  // runSimulation accepts context keys its policies never test; a key the action does not have is a mistake.
  const [service, action] = request.action.split(":");
  let allowed;
  try {
    allowed = new Set(await allowedContextKeysForRequest(service, action, request.resource, false, undefined));
  } catch (error) {
    results.push({ result: "Error", errors: { request: String(error) } });
    continue;
  }
  const unknown = Object.keys(request.context ?? {}).filter(
    (key) => !key.toLowerCase().startsWith("aws:") && !allowed.has(key.toLowerCase()),
  );
  if (unknown.length > 0) {
    results.push({ result: "Error", errors: { unknownContextKeys: unknown } });
    continue;
  }
  const simulation = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.accountId },
        contextVariables: request.context ?? {},
      },
      identityPolicies: input.policies,
      resourcePolicy: input.resourcePolicy ?? undefined,
      permissionBoundaryPolicies: input.boundary ? [{ name: "boundary", policy: input.boundary }] : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  results.push(
    simulation.resultType === "error"
      ? { result: "Error", errors: simulation.errors }
      : { result: simulation.overallResult },
  );
}
process.stdout.write(JSON.stringify(results));
