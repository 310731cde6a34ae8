// tok_wasm_cases.cjs - differential test cases for the cl100k tokenizer:
// strings with their ids from the npm `tiktoken` package (OpenAI's Rust core
// in WebAssembly, the implementation LlamaIndex's tiktoken wraps), one
// {"text","ids"} JSON line each, the format tok_check and test_tok read.
//
// usage: node tok_wasm_cases.cjs NODE_MODULES_DIR MODE [COUNT [SEED]] > cases.jsonl
// modes:
//   atoms       random concatenations of tricky atoms (contractions, long s,
//               Unicode spaces, CR/LF, digits, marks, specials, emoji)
//   codepoints  random code points from all planes mixed with ASCII
//   contexts    every code point U+0080.. (planes 0-2, 14) in letter, digit,
//               space, apostrophe and punctuation contexts (COUNT = stride)
//   long        long single pieces (> 512 bytes: the heap BPE path)
//   adversarial the fixed list in tests/data/tok/adversarial.jsonl
// Check a file with: build/tests/bench/tok_check DIR (DIR/cl100k-cases.jsonl
// and an empty DIR/cl100k-token-counts.jsonl).
const path = require("path");
const [nm, mode, countArg, seedArg] = process.argv.slice(2);
const enc = require(path.join(nm, "tiktoken")).get_encoding("cl100k_base");
let seed = Number(seedArg || 1);
const rnd = (n) => (seed = (seed * 48271) % 2147483647) % n;
const emit = (s) => process.stdout.write(JSON.stringify({ text: s, ids: Array.from(enc.encode(s, "all")) }) + "\n");

const ATOMS = ["a", "b", "Z", "the", " ", "  ", "\t", "\n", "\r", "\r\n", "'", "'s", "'S", "'T", "'re", "'RE", "'Ve",
  "'m", "'ll", "'LL", "'d", "'ſ", "ſ", "K", "\u212a", "\u0085", "\u00a0", "\u3000", "\u2000", "\u200a", "\u200b",
  "\u1680", "\u2028", "\u202f", "\u205f", "\u000b", "\u000c", "é", "e\u0301", "\u0301", "中", "文", "😀", "👍🏽",
  "٣", "²", "½", "Ⅻ", "1", "12", "123", "1234", "0", ".", ",", "-", "--", "...", "!", "?", "(", ")", "$", "%", "€",
  "£", "\"", "<", "|", ">", "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
  "<|endofprompt|>", "<|endof", "<|", "|>", "Ω", "α", "Я", "ß", "ﬁ", "İ", "ǅ", "ʰ", "\u00ad", "\u200d", "\ufeff",
  "\ufffd", "_", "__", "=", "\\", "/", "#", "@", "\u0000", "\u001f", "\u007f", "ab'sc"];

const ADVERSARIAL = ["\u0085", "a\u0085b", "\u0085\u0085x", " \u0085 ", "x\u0085\n", "\u0085'", "\u00a0\u00a0word",
  "\u3000\u3000\u3000x", "\r", "\r\r\r", "\r\n\r\n\r\n", "a\r\n\r\n  b", " \r\n \r\nx", "\r\n \r\n", "x\r\n",
  ".\r\n\r\n", "!!\n\r\n\rz", "\t\r\n\t", "  \n  x", "   ", "   x", "\t\tx", " \tx", "\n x", "a \u0085b", "'s",
  "'S", "'ſ", "ſ", "x'ſt", "'Re'vE'LL'D'M'T", "'", "''s", "'x", " 's", "'\u212a", "'ll'", "'l", "<|endoftext|>",
  "<|endoftext|><|endoftext|>", " <|endoftext|> ", "<|endoftext", "<|endoftext|", "<<|endoftext|>>",
  "<|fim_prefix|><|fim_suffix|><|fim_middle|>", "x<|endofprompt|>\n", "<|im_start|>", "<|", "|>", "123456789",
  "1 2 3", "١٢٣٤", "²³¹", "Ⅻ Ⅻ", "12.5%", "$1,000", "a1b2", "x²", "e\u0301", "\u0301\u0301", " \u0301a", "👍🏽",
  "a😀b", "\ufeffx", "\u200b\u200bx", "\u00ad", "\u0000", "\u0000\u0000 x",
  // Unicode version: U+136D8 / U+14175 became letters in 16.0 (tiktoken's
  // tables), U+323FB / U+33119 only in 17.0 (still "other" for tiktoken)
  ".\u{136d8}_N", " \u{14175}_b", "...\u{323fb}..\u{32f11}.aab\n", "\u{33119}.ab\u{32e52} \n"];

function randomCp() {
  const r = rnd(10);
  if (r < 3) return String.fromCodePoint(32 + rnd(95));
  if (r < 4) return " ";
  if (r < 6) return String.fromCodePoint(0x80 + rnd(0x780));
  if (r < 8) {
    let c;
    do c = 0x800 + rnd(0xf800); while (c >= 0xd800 && c <= 0xdfff);
    return String.fromCodePoint(c);
  }
  return String.fromCodePoint(0x10000 + rnd(0x100000));
}

const LONG = ["abcdefghijklmnopqrstuvwxyz", "ab", "a", "xyzzy", "ABCDEFabcdef", "éàüß", "中文字", ".-=_*#", ".", "-=", "ſs", "aé"];

const count = Number(countArg || 1000);
if (mode === "atoms") {
  for (let i = 0; i < count; i++) {
    let s = "";
    for (let k = 1 + rnd(i % 10 === 0 ? 200 : 12); k > 0; k--) s += ATOMS[rnd(ATOMS.length)];
    emit(s);
  }
} else if (mode === "codepoints") {
  for (let i = 0; i < count; i++) {
    let s = "";
    for (let k = 1 + rnd(30); k > 0; k--) s += randomCp();
    emit(s);
  }
} else if (mode === "contexts") {
  for (let c = 0x80; c <= 0xe01ef; c += count) {
    if ((c >= 0xd800 && c <= 0xdfff) || (c > 0x32000 && c < 0xe0000)) continue;
    const ch = String.fromCodePoint(c);
    emit("a" + ch + "b 1" + ch + "2  " + ch + "x'" + ch + " ." + ch + ch + "\n");
  }
} else if (mode === "long") {
  for (let i = 0; i < count; i++) {
    const a = LONG[rnd(LONG.length)];
    let s = rnd(2) ? " " : "";
    for (let k = 200 + rnd(3000); k > 0; k--) s += a[rnd(a.length)];
    if (rnd(3) === 0) s += " \n".repeat(rnd(5)) + " ".repeat(rnd(1000)) + (rnd(2) ? "x" : "");
    emit(s);
  }
} else if (mode === "adversarial") {
  ADVERSARIAL.forEach(emit);
} else {
  console.error("unknown mode; see the header");
  process.exit(2);
}
