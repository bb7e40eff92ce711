// The page's one script: loads the exported model into onnxruntime-web (WebAssembly, one thread) and classifies the
// photo a user chooses or drops, resizing it exactly as the workbook's Resampler does so that the probabilities agree.
// window.workbook holds the page's state and last answer, for people and for the workbook's browser test alike.
import * as ort from './onnxruntime-web/ort.wasm.bundle.min.mjs';

const page = { state: 'loading', result: null, error: null, notes: [] };
const served = location.protocol !== 'file:'; // from a file, the page's classic script has said what to do
if (served) window.workbook = page;
const $ = (id) => document.getElementById(id);
let model;
let session;

/** A problem with the user's file, said on the page as it is. */
class Refusal extends Error { }

function setState(state) {
  page.state = state;
  document.body.dataset.state = state;
}

function say(kind, text) {
  const box = $('message');
  box.className = text ? kind : '';
  box.textContent = text;
}

async function gunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
}

async function start() {
  const response = await fetch('model.json');
  if (!response.ok) throw new Error(`model.json: HTTP ${response.status}`);
  model = await response.json();
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmBinary = await gunzip('onnxruntime-web/ort-wasm-simd-threaded.wasm.gz');
  session = await ort.InferenceSession.create('model.onnx', { executionProviders: ['wasm'] });
  $('about').textContent = `${model.base} base with a ${model.head} head, ${model.classes.length} classes: ${model.classes.join(', ')}. `
    + `Photos are resized to ${model.image_size} × ${model.image_size} pixels.`;
  $('file').disabled = false;
  setState('ready');
}

// ---- what the file says about itself, read from its first bytes before anything is decoded ----

function ascii(b, at, n) {
  return String.fromCharCode(...b.subarray(at, at + n));
}

function exifOrientation(b, start, end) {
  if (end - start < 8) return 1;
  const le = ascii(b, start, 2) === 'II';
  const u16 = (at) => (le ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1]);
  const u32 = (at) => (le ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count && ifd + 2 + 12 * i + 12 <= end; i++) {
    const entry = ifd + 2 + 12 * i;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return 1;
}

/** Type, size and colour model from the header; width 0 when the header is not one this page reads. */
function describe(b) {
  const info = { type: null, width: 0, height: 0, gray: false, cmyk: false, alpha: false, orientation: 1 };
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 26 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') {
    info.type = 'PNG';
    info.width = dv.getUint32(16);
    info.height = dv.getUint32(20);
    info.gray = b[25] === 0 || b[25] === 4;
    info.alpha = b[25] === 4 || b[25] === 6;
  } else if (b.length >= 4 && b[0] === 0xFF && b[1] === 0xD8) {
    info.type = 'JPEG';
    let i = 2;
    while (i + 4 <= b.length && b[i] === 0xFF) {
      const marker = b[i + 1];
      if (marker === 0xFF) { i += 1; continue; }
      if (marker === 0xDA || marker === 0xD9) break;
      const length = (b[i + 2] << 8) | b[i + 3];
      const segment = i + 4;
      if (length < 2 || segment + length - 2 > b.length) break;
      if (marker === 0xE1 && length >= 16 && ascii(b, segment, 6) === 'Exif\0\0') {
        info.orientation = exifOrientation(b, segment + 6, segment + length - 2);
      }
      const startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker !== 0xC4 && marker !== 0xC8 && marker !== 0xCC;
      if (startOfFrame && length >= 8) {
        info.height = (b[segment + 1] << 8) | b[segment + 2];
        info.width = (b[segment + 3] << 8) | b[segment + 4];
        info.gray = b[segment + 5] === 1;
        info.cmyk = b[segment + 5] === 4;
        break;
      }
      i = segment + length - 2;
    }
  } else if (b.length >= 10 && ascii(b, 0, 4) === 'GIF8') {
    info.type = 'GIF';
    info.width = dv.getUint16(6, true);
    info.height = dv.getUint16(8, true);
  } else if (b.length >= 26 && ascii(b, 0, 2) === 'BM') {
    info.type = 'BMP';
    info.width = Math.abs(dv.getInt32(18, true));
    info.height = Math.abs(dv.getInt32(22, true));
  } else if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    info.type = 'WebP';
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8X') {
      info.width = 1 + (b[24] | (b[25] << 8) | (b[26] << 16));
      info.height = 1 + (b[27] | (b[28] << 8) | (b[29] << 16));
    } else if (chunk === 'VP8 ') {
      info.width = dv.getUint16(26, true) & 0x3FFF;
      info.height = dv.getUint16(28, true) & 0x3FFF;
    } else if (chunk === 'VP8L') {
      const bits = dv.getUint32(21, true);
      info.width = 1 + (bits & 0x3FFF);
      info.height = 1 + ((bits >> 14) & 0x3FFF);
    }
  }
  return info;
}

function opaque(rgba) {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

function checkPixels(name, width, height) {
  if (width * height > model.max_pixels) {
    throw new Refusal(`${name} is ${width} × ${height} = ${(width * height).toLocaleString('en')} pixels, more than the `
      + `${model.max_pixels.toLocaleString('en')}-pixel limit the workbook also keeps: shrink it first (a photo needs no more than a few megapixels).`);
  }
}

// ---- the workbook's resize (data.Resampler without augmentation): bilinear, pixel centres, edges repeated ----

/** Per output index along one axis: the two source indices it reads and the second one's weight, as Resampler computes them. */
function axis(size, source) {
  const lo = new Int32Array(size), hi = new Int32Array(size), weight = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const p = (i + 0.5) / size - 0.5;
    const s = Math.max(0, Math.min(source - 1, (p + 0.5) * source - 0.5));
    lo[i] = Math.floor(s);
    hi[i] = Math.min(lo[i] + 1, source - 1);
    weight[i] = s - lo[i];
  }
  return { lo, hi, weight };
}

function resize(rgba, sw, sh, size) {
  const out = new Float32Array(size * size * 3);
  const xs = axis(size, sw), ys = axis(size, sh);
  for (let y = 0; y < size; y++) {
    const fy = ys.weight[y], top0 = ys.lo[y] * sw, bottom0 = ys.hi[y] * sw;
    for (let x = 0; x < size; x++) {
      const fx = xs.weight[x];
      const p00 = 4 * (top0 + xs.lo[x]), p01 = 4 * (top0 + xs.hi[x]), p10 = 4 * (bottom0 + xs.lo[x]), p11 = 4 * (bottom0 + xs.hi[x]);
      for (let c = 0; c < 3; c++) {
        const top = rgba[p00 + c] * (1 - fx) + rgba[p01 + c] * fx;
        const bottom = rgba[p10 + c] * (1 - fx) + rgba[p11 + c] * fx;
        out[3 * (y * size + x) + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

function showSeen(input, size) {
  const small = document.createElement('canvas');
  small.width = size;
  small.height = size;
  const pixels = new ImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) pixels.data[4 * i + c] = Math.round(input[3 * i + c]);
    pixels.data[4 * i + 3] = 255;
  }
  small.getContext('2d').putImageData(pixels, 0, 0);
  const seen = $('seen').getContext('2d');
  seen.imageSmoothingQuality = 'high';
  seen.drawImage(small, 0, 0, $('seen').width, $('seen').height);
}

function showBars(probabilities, best) {
  const bars = $('bars');
  bars.replaceChildren();
  const order = probabilities.map((p, c) => c).sort((a, b) => probabilities[b] - probabilities[a]);
  for (const c of order) {
    const row = document.createElement('div');
    row.className = c === best ? 'bar top' : 'bar';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = model.classes[c];
    name.title = model.classes[c];
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.display = 'block';
    fill.style.width = `${(100 * probabilities[c]).toFixed(2)}%`;
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = probabilities[c].toFixed(4);
    row.append(name, track, value);
    bars.append(row);
  }
}

async function classify(file) {
  setState('working');
  say('', '');
  page.result = null;
  page.error = null;
  page.notes = [];
  try {
    if (file.size === 0) throw new Refusal(`${file.name} is empty (0 bytes).`);
    const info = describe(new Uint8Array(await file.slice(0, 1 << 20).arrayBuffer()));
    if (info.width) checkPixels(file.name, info.width, info.height);
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch (e) {
      throw new Refusal(`${file.name} is not an image this browser can read${info.type ? ` (a damaged ${info.type} file?)` : ''}: choose a JPEG or PNG photo.`);
    }
    const width = bitmap.width, height = bitmap.height;
    try {
      checkPixels(file.name, width, height);
    } catch (e) {
      bitmap.close();
      throw e;
    }
    if (info.gray) page.notes.push('A grayscale image: its gray level is used for red, green and blue, as the workbook does.');
    if (info.cmyk) page.notes.push('A CMYK JPEG (a printer\'s colours): the browser converts it to RGB its own way and the workbook as PIL does, so these probabilities may differ a little from the workbook\'s.');
    if (info.orientation > 1) page.notes.push(`The photo carries an EXIF rotation (orientation ${info.orientation}): the browser turns it upright, while the workbook and Keras read it as stored, so their answers may differ.`);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    const rgba = context.getImageData(0, 0, width, height).data;
    canvas.width = canvas.height = 0;
    if (info.alpha && !opaque(rgba)) page.notes.push('The image has transparent pixels, which the model ignores; the browser may store fully transparent pixels as black, so the probabilities may differ a little from the workbook\'s.');
    const size = model.image_size;
    const input = resize(rgba, width, height, size);
    showSeen(input, size);
    const started = performance.now();
    const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, size, size, 3]) });
    const millis = performance.now() - started;
    const raw = Array.from(outputs[session.outputNames[0]].data);
    const probabilities = model.output === 'sigmoid' ? [1 - raw[0], raw[0]] : raw;
    let best = 0;
    probabilities.forEach((p, c) => { if (p > probabilities[best]) best = c; });
    showBars(probabilities, best);
    $('time').textContent = `${model.classes[best]}, predicted in ${millis.toFixed(1)} ms (onnxruntime-web ${model.onnxruntime_web}, WebAssembly, 1 thread) from ${file.name}, ${width} × ${height}.`;
    $('result').className = 'shown';
    if (page.notes.length) say('note', page.notes.join(' '));
    page.result = { file: file.name, width, height, label: model.classes[best], probabilities, millis };
    setState('done');
  } catch (e) {
    const message = e instanceof Refusal ? e.message : `Could not classify ${file.name}: ${e.message || e}`;
    page.error = message;
    $('result').className = '';
    say('error', message);
    setState('refused');
  }
}

let queue = Promise.resolve();
function choose(file) {
  if (file && session) queue = queue.then(() => classify(file));
}

$('file').addEventListener('change', (event) => {
  choose(event.target.files[0]);
  event.target.value = ''; // so that choosing the same photo again classifies it again
});
const drop = $('drop');
document.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
document.addEventListener('dragleave', () => drop.classList.remove('over'));
document.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  choose(event.dataTransfer.files[0]);
});

if (served) {
  start().catch((e) => {
    page.error = `The model could not be loaded: ${e.message || e}`;
    say('error', page.error);
    $('about').textContent = 'No model loaded.';
    setState('failed');
  });
}
