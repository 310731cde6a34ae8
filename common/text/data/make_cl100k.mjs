// make_cl100k.mjs - rebuild cl100k_base.tiktoken (OpenAI's rank file: one
// "<base64 token> <rank>\n" line per token, ranks ascending) from the npm
// package tiktoken@1.0.22, file encoders/cl100k_base.json, and check it
// against the sha256 that Python tiktoken pins for the OpenAI original.
//
// The JSON's "bpe_ranks" string is js-tiktoken's compressed form: lines of
// "<marker> <first rank> <b64> <b64> ...", token k of a line having rank
// first+k.  Run once by hand (never at build time):
//
//   cd /tmp && npm pack tiktoken@1.0.22 && tar xzf tiktoken-1.0.22.tgz
//   node common/text/data/make_cl100k.mjs /tmp/package common/text/data/cl100k_base.tiktoken
//
// Exits non-zero (writing nothing) when the ranks are not dense or the hash
// differs.
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";

const EXPECTED = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7";
const [pkg, out] = process.argv.slice(2);
if (!pkg || !out) {
  console.error("usage: node make_cl100k.mjs NPM_TIKTOKEN_DIR OUT_FILE");
  process.exit(2);
}
const enc = JSON.parse(readFileSync(`${pkg}/encoders/cl100k_base.json`, "utf8"));
const byRank = [];
for (const line of enc.bpe_ranks.split("\n")) {
  if (line === "") continue;
  const [, first, ...toks] = line.split(" ");
  toks.forEach((t, k) => { byRank[Number(first) + k] = t; });
}
for (let r = 0; r < byRank.length; r++) {
  const t = byRank[r];
  if (t === undefined) throw new Error(`rank ${r} missing`);
  if (Buffer.from(t, "base64").toString("base64") !== t) throw new Error(`bad base64 at rank ${r}`);
}
const data = Buffer.from(byRank.map((t, r) => `${t} ${r}\n`).join(""), "latin1");
const sha = createHash("sha256").update(data).digest("hex");
console.log(`${byRank.length} ranks, sha256 ${sha}`);
if (sha !== EXPECTED) {
  console.error(`MISMATCH: expected ${EXPECTED}`);
  process.exit(1);
}
writeFileSync(out, data);
console.log(`OK, matches tiktoken's expected_hash; wrote ${out}`);
