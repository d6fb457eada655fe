// Validates the operators' custom resources against their published schemas (pinned in package.json
// and package-lock.json; `make operator-schemas` installs them with npm ci): KEDA's
// (@kubernetes-models/keda) and CloudNativePG's (@kubernetes-models/cloudnative-pg).
// Input on stdin: a JSON array of manifests. Output: one line per manifest, "ok" or the errors;
// the exit status is 1 if any manifest is invalid, 2 if an apiVersion and kind has no schema here.
import { readFileSync } from "node:fs";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import * as cnpg from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1";

const MODELS = { "keda.sh/v1alpha1": keda, "postgresql.cnpg.io/v1": cnpg };

const manifests = JSON.parse(readFileSync(0, "utf-8"));
let status = 0;
for (const manifest of manifests) {
  const name = `${manifest.kind}/${manifest.metadata?.name}`;
  const Model = MODELS[manifest.apiVersion]?.[manifest.kind];
  if (Model === undefined) {
    console.log(`${name}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
    status = 2;
    continue;
  }
  try {
    new Model(manifest).validate();
    console.log(`${name}: ok`);
  } catch (error) {
    console.log(`${name}: ${error.message}`);
    status = Math.max(status, 1);
  }
}
process.exit(status);
