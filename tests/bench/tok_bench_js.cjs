// tok_bench_js.cjs - throughput of the JavaScript cl100k tokenizers on the
// same corpus as tok_bench: js-tiktoken (pure JS) and the npm `tiktoken`
// package (OpenAI's Rust core compiled to WebAssembly).
//
// usage: node tok_bench_js.cjs NODE_MODULES_DIR TEXT_DIR [ROUNDS]
// MB/s = UTF-8 bytes of all *.txt (10^6 per MB) / best round, one thread,
// encode(text, "all") as LlamaIndex calls it.  Prints one key=value line per
// implementation, like tok_bench.
const fs = require("fs");
const path = require("path");

const [nm, dir, roundsArg] = process.argv.slice(2);
if (!nm || !dir) {
  console.error("usage: node tok_bench_js.cjs NODE_MODULES_DIR TEXT_DIR [ROUNDS]");
  process.exit(2);
}
const rounds = Number(roundsArg || 3);
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".txt")).sort();
const texts = files.map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t, "utf8"), 0);

function bench(name, encode) {
  let best = Infinity, tokens = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for (const t of texts) n += encode(t).length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s < best) best = s;
    tokens = n;
  }
  console.log(`impl=${name} files=${texts.length} bytes=${bytes} tokens=${tokens} count_mb_s=${(bytes / best / 1e6).toFixed(1)}`);
}

const { getEncoding } = require(path.join(nm, "js-tiktoken"));
const js = getEncoding("cl100k_base");
bench("js-tiktoken", (t) => js.encode(t, "all"));

const wasm = require(path.join(nm, "tiktoken")).get_encoding("cl100k_base");
bench("tiktoken-wasm", (t) => wasm.encode(t, "all"));
wasm.free();
