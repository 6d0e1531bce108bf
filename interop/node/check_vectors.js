#!/usr/bin/env node
// Checks lakala-rs' test vectors (fixtures/vectors/*.json) independently of the Rust code,
// with Node.js built-ins only (`crypto`, `fs`, `path`, and TextDecoder's GBK, present in
// every Node build with ICU; no npm packages).
//
// Usage: node check_vectors.js [FIXTURES_DIR]   (default: the repository's fixtures/)
//
// cross-border (crossborder.json), every case:
//   * AES key = SHA1(SHA1(sec_key))[:16] equals aes_key_hex;
//   * mac_input is rebuilt from the envelope; its GBK bytes (encoded with a table built by
//     inverting TextDecoder('gbk')) and their SHA-256 equal mac_input_gbk_hex and
//     mac_sha256_hex;
//   * the MAC is RSA-public-decrypted (crypto.publicDecrypt, PKCS#1 v1.5 block type 1) with
//     the signer's public key and must give those 64 lowercase hex characters;
//   * where there is an encKey, it is decrypted with recipient_private_key (raw RSA and
//     PKCS#1 v1.5 type 2 unpadding done here: Node 20 refuses RSA_PKCS1_PADDING for
//     private decryption) into ts + sec_key, whose first 20 characters must equal ts;
//   * encData is AES-128-ECB/PKCS#7-decrypted, GBK-decoded and compared with biz_json;
//   * for valid cases, re-encrypting and re-signing (crypto.privateEncrypt) reproduce encData
//     and mac exactly.
// open platform (open-platform.json), every case:
//   * the Authorization header (or the Lklapi-* response headers) is parsed, the string to
//     sign rebuilt and compared, SHA256withRSA verified with the X.509 certificate's key,
//     the certificate serial compared with serial_no; valid cases are re-signed.
// labs (labs.json), every case: the signature as an open-platform case (encrypted bodies:
//   over the base64 text); encrypted bodies open with SM4/ECB/PKCS#7 (crypto 'sm4-ecb')
//   under sm4_key to exactly `json` (or fail on the padding where decrypt_error says so),
//   and re-encrypt to the body; the GB/T 32907 vector; `json` against the file's route and
//   pre-order-kind tables, and the payment request built from acc_resp_fields.
// A `valid: false` case passes only if the checks fail with its expected_error.
// Prints one line per failure and `N passed, M failed` last; exits 1 on any failure.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const FIXTURES = process.argv[2] || path.join(__dirname, '..', '..', 'fixtures');
const SCHEME = 'LKLAPI-SHA256withRSA';

class Refused extends Error {
  constructor(code, detail) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

const cache = new Map();
function load(rel, kind) {
  const key = `${kind}:${rel}`;
  if (!cache.has(key)) {
    const pem = fs.readFileSync(path.join(FIXTURES, rel));
    cache.set(
      key,
      kind === 'private'
        ? crypto.createPrivateKey(pem)
        : kind === 'public'
          ? crypto.createPublicKey(pem)
          : new crypto.X509Certificate(pem),
    );
  }
  return cache.get(key);
}

// ---------------------------------------------------------------- GBK

const gbkDecoder = new TextDecoder('gbk', { fatal: true });
let gbkTable = null;

// Node can decode GBK but not encode it: invert the decoder over every two-byte code.
function gbkEncode(text) {
  if (!gbkTable) {
    gbkTable = new Map();
    const loose = new TextDecoder('gbk');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = loose.decode(Uint8Array.of(lead, trail));
        if (ch.length === 1 && ch !== '\ufffd' && !gbkTable.has(ch)) {
          gbkTable.set(ch, [lead, trail]);
        }
      }
    }
  }
  const out = [];
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (code < 0x80) out.push(code);
    else if (gbkTable.has(ch)) out.push(...gbkTable.get(ch));
    else throw new Error(`not GBK-encodable: U+${code.toString(16)}`);
  }
  return Buffer.from(out);
}

// ---------------------------------------------------------------- cross-border

const sha1 = (b) => crypto.createHash('sha1').update(b).digest();
const sha256Hex = (b) => crypto.createHash('sha256').update(b).digest('hex');
const aesKey = (secKey) => sha1(sha1(Buffer.from(secKey, 'ascii'))).subarray(0, 16);

function aesEcb(encrypt, key, data) {
  const c = encrypt
    ? crypto.createCipheriv('aes-128-ecb', key, null)
    : crypto.createDecipheriv('aes-128-ecb', key, null);
  return Buffer.concat([c.update(data), c.final()]);
}

function hexBytes(text) {
  if (!/^([0-9A-Fa-f]{2})*$/.test(text)) throw new Refused('invalid_hex');
  return Buffer.from(text, 'hex');
}

const MAC_FIELDS = {
  request: ['merId', 'ver', 'ts', 'encData'],
  response: ['retCode', 'retMsg', 'merId', 'ver', 'ts', 'encData'],
  notification: ['ts', 'reqType', 'encData'],
  notification_answer: ['retCode', 'retMsg', 'ts', 'reqType'],
};
const macString = (kind, env) => MAC_FIELDS[kind].map((f) => env[f] || '').join('');

// RSAES-PKCS1-v1_5 decryption: raw RSA, then 00 02 PS(>= 8 non-zero) 00 M.
function rsaPkcs1Decrypt(key, ciphertext) {
  const block = crypto.privateDecrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, ciphertext);
  if (block[0] !== 0 || block[1] !== 2) throw new Error('not a type 2 block');
  const sep = block.indexOf(0, 2);
  if (sep < 10) throw new Error('bad padding');
  return block.subarray(sep + 1);
}

function receiveCrossborder(c, expect) {
  const env = c.envelope;
  if (!env.mac) throw new Refused('missing_mac');
  const digest = sha256Hex(gbkEncode(macString(c.kind, env)));
  let recovered;
  try {
    recovered = crypto.publicDecrypt(
      { key: load(c.signer_public_key, 'public'), padding: crypto.constants.RSA_PKCS1_PADDING },
      hexBytes(env.mac),
    );
  } catch (e) {
    throw new Refused('mac_mismatch', 'bad block');
  }
  if (recovered.toString('latin1') !== digest) throw new Refused('mac_mismatch', 'other digest');

  let secKey = c.sec_key;
  if ('encKey' in env) {
    let block;
    try {
      block = rsaPkcs1Decrypt(load(c.recipient_private_key, 'private'), hexBytes(env.encKey));
    } catch (e) {
      throw new Refused('decryption_failed', `encKey: ${e.message}`);
    }
    block = block.toString('latin1');
    expect(block === c.enc_key_block, 'encKey decrypts to enc_key_block');
    if (block.length !== 52) throw new Refused('malformed_enc_key');
    if (block.slice(0, 20) !== env.ts) throw new Refused('enc_key_ts_mismatch', `${block.slice(0, 20)} != ${env.ts}`);
    expect(block.slice(20) === c.sec_key, 'encKey carries sec_key');
    secKey = block.slice(20);
  }

  const encData = env.encData || '';
  if (encData) {
    let plain, text;
    try {
      plain = aesEcb(false, aesKey(secKey), hexBytes(encData));
      text = gbkDecoder.decode(plain);
    } catch (e) {
      throw new Refused('decryption_failed', `encData: ${e.message}`);
    }
    expect(plain.toString('hex') === c.biz_gbk_hex, 'decrypted bytes equal biz_gbk_hex');
    expect(text === c.biz_json, 'decrypted text equals biz_json');
  } else {
    expect(c.biz_json === null, 'no encData, so biz_json is null');
  }
}

function checkCrossborder(c) {
  const problems = [];
  const expect = (ok, what) => ok || problems.push(what);
  const env = c.envelope;
  expect(aesKey(c.sec_key).toString('hex') === c.aes_key_hex, 'aes_key_hex');
  const text = macString(c.kind, env);
  expect(text === c.mac_input, 'mac_input rebuilt from the envelope');
  const gbk = gbkEncode(text);
  expect(gbk.toString('hex') === c.mac_input_gbk_hex, 'mac_input_gbk_hex');
  expect(sha256Hex(gbk) === c.mac_sha256_hex, 'mac_sha256_hex');
  if (c.biz_json !== null) expect(gbkEncode(c.biz_json).toString('hex') === c.biz_gbk_hex, 'biz_gbk_hex');
  expect(env.ver === '3.0.0' && env.merId && env.ts && env.mac, 'envelope has merId, ver 3.0.0, ts, mac');
  expect(('encKey' in env) === (c.kind === 'request' || c.kind === 'notification'), 'encKey presence');

  let error = null;
  try {
    receiveCrossborder(c, expect);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    error = e;
  }
  if (c.valid) {
    if (error) problems.push(`valid case refused: ${error.message}`);
    const resigned = crypto.privateEncrypt(
      { key: load(c.signer_private_key, 'private'), padding: crypto.constants.RSA_PKCS1_PADDING },
      Buffer.from(c.mac_sha256_hex, 'ascii'),
    );
    expect(resigned.toString('hex').toUpperCase() === env.mac, 're-signing reproduces mac');
    if (c.biz_json !== null) {
      const sealed = aesEcb(true, aesKey(c.sec_key), gbkEncode(c.biz_json));
      expect(sealed.toString('hex').toUpperCase() === env.encData, 're-encrypting reproduces encData');
    }
  } else if (!error) {
    problems.push('invalid case accepted');
  } else if (error.code !== c.expected_error) {
    problems.push(`refused with ${error.message}, expected ${c.expected_error}`);
  }
  return problems;
}

// ---------------------------------------------------------------- open platform

// `LKLAPI-SHA256withRSA k="v",k="v"...`, fields in any order.
function parseAuthorization(header) {
  const bad = (why) => new Refused('malformed_authorization', why);
  header = header.trim();
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const rest = space < 0 ? '' : header.slice(space + 1);
  if (scheme !== SCHEME) throw bad('scheme');
  const fields = {};
  let i = 0;
  const nameRe = /([A-Za-z0-9_]+)\s*=\s*/y;
  for (;;) {
    while (i < rest.length && (/\s/.test(rest[i]) || rest[i] === ',')) i++;
    if (i === rest.length) break;
    nameRe.lastIndex = i;
    const m = nameRe.exec(rest);
    if (!m) throw bad('parameter');
    const name = m[1];
    i = nameRe.lastIndex;
    let value;
    if (rest[i] === '"') {
      const end = rest.indexOf('"', i + 1);
      if (end < 0) throw bad(`${name}: unterminated quote`);
      value = rest.slice(i + 1, end);
      i = end + 1;
      while (i < rest.length && /\s/.test(rest[i])) i++;
      if (i < rest.length && rest[i] !== ',') throw bad(`${name}: text after quote`);
    } else {
      let end = rest.indexOf(',', i);
      if (end < 0) end = rest.length;
      value = rest.slice(i, end).trim();
      i = end;
      if (!value || /[\s"]/.test(value)) throw bad(`${name}: bare value`);
    }
    if (Object.prototype.hasOwnProperty.call(fields, name)) throw bad(`${name} twice`);
    fields[name] = value;
  }
  for (const name of ['timestamp', 'nonce_str', 'signature']) {
    if (!fields[name]) throw bad(`${name} missing`);
  }
  if (!/^[0-9]+$/.test(fields.timestamp)) throw bad('timestamp');
  return fields;
}

// The serial as Lakala registers it: hex of the DER integer bytes (leading 00 kept).
function serialHex(cert) {
  let hex = cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex[0], 16) >= 8) hex = '00' + hex;
  return hex;
}

function stringToSign(kind, f, body) {
  let parts = [f.timestamp, f.nonce_str, body];
  if (kind !== 'notification') parts = [f.appid, f.serial_no, ...parts];
  return parts.map((p) => p + '\n').join('');
}

function strictBase64(text) {
  const raw = Buffer.from(text, 'base64');
  if (raw.toString('base64') !== text) throw new Refused('signature_mismatch', 'invalid base64');
  return raw;
}

function receiveOpenPlatform(c) {
  let fields;
  if (c.kind === 'response') {
    const h = c.response_headers;
    fields = {
      appid: h['Lklapi-Appid'],
      serial_no: h['Lklapi-Serial'],
      timestamp: h['Lklapi-Timestamp'],
      nonce_str: h['Lklapi-Nonce'],
      signature: h['Lklapi-Signature'],
    };
  } else {
    fields = parseAuthorization(c.authorization);
    if (c.kind === 'request' && !(fields.appid && fields.serial_no)) {
      throw new Refused('malformed_authorization', 'appid or serial_no missing');
    }
  }
  const message = Buffer.from(stringToSign(c.kind, fields, c.body), 'utf8');
  const key = load(c.certificate, 'cert').publicKey;
  const ok = crypto.verify(
    'sha256',
    message,
    { key, padding: crypto.constants.RSA_PKCS1_PADDING },
    strictBase64(fields.signature),
  );
  if (!ok) throw new Refused('signature_mismatch');
  return fields;
}

function checkOpenPlatform(c) {
  const problems = [];
  const expect = (ok, what) => ok || problems.push(what);
  expect(stringToSign(c.kind, c, c.body) === c.string_to_sign, "string_to_sign rebuilt from the case's fields");
  expect(('authorization' in c) === (c.kind !== 'response'), 'authorization presence');
  let fields = null;
  let error = null;
  try {
    fields = receiveOpenPlatform(c);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    error = e;
  }
  if (c.valid) {
    if (error) {
      problems.push(`valid case refused: ${error.message}`);
    } else {
      for (const name of ['appid', 'serial_no', 'timestamp', 'nonce_str', 'signature']) {
        expect(fields[name] === c[name], `header field ${name}`);
      }
    }
    if (c.kind !== 'notification') {
      expect(serialHex(load(c.certificate, 'cert')) === c.serial_no, 'certificate serial = serial_no');
    }
    const sig = crypto.sign('sha256', Buffer.from(c.string_to_sign, 'utf8'), load(c.signer_private_key, 'private'));
    expect(sig.toString('base64') === c.signature, 're-signing reproduces signature');
  } else if (!error) {
    problems.push('invalid case accepted');
  } else if (error.code !== c.expected_error) {
    problems.push(`refused with ${error.message}, expected ${c.expected_error}`);
  }
  return problems;
}

// --- labs.json: the labs aggregated-scan family and SM4-encrypted (*_encry) bodies ---
// SM4 comes from the OpenSSL Node is built with ('sm4-ecb' in crypto.getCiphers(): Node's
// bundled OpenSSL 3 and Debian's system OpenSSL 3 both have it). Without it the SM4 checks
// fail, never skip.

const HAS_SM4 = crypto.getCiphers().includes('sm4-ecb');

function sm4Ecb(encrypt, key, data) {
  if (!HAS_SM4) throw new Error("this Node's OpenSSL has no sm4-ecb");
  const c = encrypt
    ? crypto.createCipheriv('sm4-ecb', key, null)
    : crypto.createDecipheriv('sm4-ecb', key, null);
  return Buffer.concat([c.update(data), c.final()]);
}

let labsTables = null;
function tables() {
  if (!labsTables) {
    const file = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'vectors', 'labs.json'), 'utf8'));
    const routes = {};
    for (const r of file.routes) {
      routes[r.path] = r;
      if (r.encrypted_path) routes[r.encrypted_path] = r;
    }
    const kinds = {};
    for (const k of file.preorder_kinds) kinds[k.kind] = k;
    labsTables = { routes, kinds, vector: file.sm4_standard_vector };
  }
  return labsTables;
}

const filled = (obj, name) =>
  obj[name] !== undefined && obj[name] !== null && obj[name] !== '' &&
  !(typeof obj[name] === 'object' && Object.keys(obj[name]).length === 0);

function labsContentErrors(c, message) {
  const { routes, kinds } = tables();
  const rules = routes[c.route];
  const errors = [];
  if (c.kind === 'request') {
    if (message.version !== '3.0' || !/^\d{14}$/.test(message.req_time || '')) errors.push(['envelope', 'version/req_time']);
    const data = message.req_data || {};
    for (const name of rules.request_required) if (!filled(data, name)) errors.push([name, 'missing']);
    for (const group of rules.request_one_of) if (!group.some((n) => filled(data, n))) errors.push([group[0], 'missing']);
    const amount = String(data.total_amount ?? data.refund_amount ?? '1');
    if (!/^\d{1,12}$/.test(amount)) errors.push(['amount', 'digits']);
    if (c.preorder_kind) {
      const k = kinds[c.preorder_kind];
      if (data.account_type !== k.account_type || data.trans_type !== k.trans_type) errors.push(['trans_type', 'combination']);
      const fields = data.acc_busi_fields || {};
      for (const name of k.acc_busi_fields_required) if (!filled(fields, name)) errors.push([`acc_busi_fields.${name}`, 'missing']);
      for (const name of k.acc_busi_fields_forbidden) if (filled(fields, name)) errors.push([`acc_busi_fields.${name}`, 'forbidden']);
      if (k.subject_required && !filled(data, 'subject')) errors.push(['subject', 'missing']);
    }
  } else {
    if (!message.code || !('msg' in message)) errors.push(['envelope', 'code/msg']);
    const data = message.resp_data || {};
    for (const name of rules.response_required) if (!filled(data, name)) errors.push([name, 'missing']);
    if (c.preorder_kind) {
      const fields = data.acc_resp_fields || {};
      for (const name of kinds[c.preorder_kind].acc_resp_fields_required) {
        if (typeof fields[name] !== 'string' || !fields[name]) errors.push([`acc_resp_fields.${name}`, 'missing']);
      }
    }
  }
  return errors;
}

function paymentRequest(rules, f) {
  const type = rules.payment_request_type;
  if (type === 'qr_code') return { type, code: f.code, ...(f.code_image ? { code_image: f.code_image } : {}) };
  if (type === 'wechat_pay') {
    const out = { type };
    for (const n of ['app_id', 'time_stamp', 'nonce_str', 'package', 'sign_type', 'pay_sign']) out[n] = f[n];
    if (f.prepay_id) out.prepay_id = f.prepay_id;
    return out;
  }
  if (type === 'alipay_trade') return { type, trade_no: f.prepay_id };
  return { type, redirect_url: f.redirect_url };
}

function sameObject(a, b) {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

function checkLabs(c) {
  const problems = checkOpenPlatform(c);
  const expect = (ok, what) => { if (!ok) problems.push(what); };
  if (c.encrypted) {
    expect(c.route.endsWith('_encry'), 'encrypted case on an _encry route');
    const key = strictBase64(c.sm4_key);
    expect(key.length === 16, 'sm4_key is 16 bytes');
    const ciphertext = strictBase64(c.body);
    let opened = null;
    let error = null;
    try {
      opened = sm4Ecb(false, key, ciphertext).toString('utf8');
    } catch (e) {
      if (!HAS_SM4) throw e;
      error = 'bad_padding';
    }
    expect(error === (c.decrypt_error || null), `decrypt error ${error}, expected ${c.decrypt_error}`);
    if (!error) {
      expect(opened === c.json, 'decrypted body = json');
      expect(sm4Ecb(true, key, Buffer.from(c.json, 'utf8')).toString('base64') === c.body, 'encrypting json reproduces body');
    }
  } else {
    expect(c.body === c.json && c.sm4_key === undefined, 'plain body = json');
  }
  const message = JSON.parse(c.json);
  const errors = labsContentErrors(c, message);
  if (c.content_valid) {
    expect(errors.length === 0, `content errors ${JSON.stringify(errors)}`);
  } else {
    const first = errors[0] || [];
    expect(first[0] === c.content_error.field && first[1] === c.content_error.rule,
      `content errors ${JSON.stringify(errors)}, expected ${JSON.stringify(c.content_error)}`);
  }
  if (c.payment_request) {
    const got = paymentRequest(tables().kinds[c.preorder_kind], message.resp_data.acc_resp_fields);
    expect(sameObject(got, c.payment_request), `payment request ${JSON.stringify(got)}`);
  }
  return problems;
}

function checkSm4StandardVector() {
  const v = tables().vector;
  const c = crypto.createCipheriv('sm4-ecb', Buffer.from(v.key_hex, 'hex'), null);
  c.setAutoPadding(false);
  const block = Buffer.concat([c.update(Buffer.from(v.plaintext_hex, 'hex')), c.final()]).toString('hex');
  return block === v.ciphertext_hex ? [] : [`SM4 standard vector gives ${block}`];
}

function main() {
  let passed = 0;
  let failed = 0;
  for (const [file, check] of [
    ['crossborder.json', checkCrossborder],
    ['open-platform.json', checkOpenPlatform],
    ['labs.json', checkLabs],
  ]) {
    const { cases } = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'vectors', file), 'utf8'));
    if (!cases || cases.length === 0) {
      console.log(`FAIL ${file}: no cases`);
      failed++;
      continue;
    }
    for (const c of cases) {
      let problems;
      try {
        problems = check(c);
      } catch (e) {
        problems = [`${e.name}: ${e.message}`];
      }
      if (problems.length) {
        failed++;
        console.log(`FAIL ${file} ${c.name}: ${problems.join('; ')}`);
      } else {
        passed++;
      }
    }
  }
  let vectorProblems;
  try {
    vectorProblems = checkSm4StandardVector();
  } catch (e) {
    vectorProblems = [`${e.name}: ${e.message}`];
  }
  if (vectorProblems.length) {
    failed++;
    console.log(`FAIL labs.json sm4_standard_vector: ${vectorProblems.join('; ')}`);
  } else {
    passed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
