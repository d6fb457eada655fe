// Validates KEDA custom resources against KEDA's schemas (@kubernetes-models/keda, pinned in
// package.json and package-lock.json; `make keda-schema` installs it with npm ci).
// Input on stdin: a JSON array of manifests. Output: one line per manifest, "ok" or the errors;
// the exit status is 1 if any manifest is invalid, 2 if a kind is not a KEDA kind.
import { readFileSync } from "node:fs";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";

const manifests = JSON.parse(readFileSync(0, "utf-8"));
let status = 0;
for (const manifest of manifests) {
  const name = `${manifest.kind}/${manifest.metadata?.name}`;
  const Model = manifest.apiVersion === "keda.sh/v1alpha1" ? keda[manifest.kind] : undefined;
  if (Model === undefined) {
    console.log(`${name}: not a keda.sh/v1alpha1 kind`);
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
