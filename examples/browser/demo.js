// The demo page: load a model (Hub id or folder URL, `?model=` sets it), then classify dropped or
// chosen images. Uses only the public browser API of the prebuilt bundle.
import { ImageClassifier, describeBackend, initBackend } from '/dist/perceiver-io.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get('model')) $('model').value = params.get('model');
if (params.get('backend')) $('backend').value = params.get('backend');

let classifier;
let pending = Promise.resolve();

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function showProgress({ file, loaded, total }) {
  let row = document.querySelector(`#progress [data-file="${CSS.escape(file)}"]`);
  if (!row) {
    row = document.createElement('div');
    row.className = 'file';
    row.dataset.file = file;
    row.innerHTML = '<span class="fname"></span><div class="track"><div class="fill"></div></div><span class="bytes"></span>';
    row.querySelector('.fname').textContent = file;
    $('progress').append(row);
  }
  const fraction = total ? loaded / total : 0;
  row.querySelector('.fill').style.width = `${(100 * fraction).toFixed(1)}%`;
  row.querySelector('.bytes').textContent = total ? `${mb(loaded)} / ${mb(total)}` : mb(loaded);
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : 'muted';
}

async function loadModel(event) {
  event?.preventDefault();
  $('load').disabled = true;
  $('progress').replaceChildren();
  const model = $('model').value.trim();
  setStatus(`Loading ${model}…`);
  try {
    await classifier?.dispose();
    classifier = undefined;
    const backend = $('backend').value;
    const info = await initBackend(backend);
    $('backend-line').textContent = describeBackend(info);
    const start = performance.now();
    classifier = await ImageClassifier.fromPretrained(model, { backend, onProgress: showProgress });
    const { numLabels, numBlocks, numSelfAttendsPerBlock } = classifier.model.config;
    setStatus(`Loaded ${model} in ${((performance.now() - start) / 1000).toFixed(2)} s: ${numLabels} labels, ${numBlocks * numSelfAttendsPerBlock} latent self-attention layers.`);
    document.body.dataset.model = 'ready';
  } catch (e) {
    setStatus(`Could not load ${model}: ${e.message}`, true);
  } finally {
    $('load').disabled = false;
  }
}

function showResults(predictions) {
  $('results').replaceChildren(
    ...predictions.map(({ label, score }) => {
      const li = document.createElement('li');
      li.innerHTML = '<div class="name"><span class="label"></span><span class="score"></span></div><div class="track"><div class="fill"></div></div>';
      li.querySelector('.label').textContent = label;
      li.querySelector('.score').textContent = `${(100 * score).toFixed(1)}%`;
      li.querySelector('.fill').style.width = `${(100 * score).toFixed(1)}%`;
      return li;
    }),
  );
}

async function classify(file) {
  $('preview').src = URL.createObjectURL(file);
  $('preview').hidden = false;
  $('drop-text').hidden = true;
  if (!classifier) {
    $('timing').textContent = 'Load a model first.';
    return;
  }
  $('timing').textContent = `Classifying ${file.name}…`;
  const start = performance.now();
  try {
    const [predictions] = await classifier.classify([file], { topK: 5 });
    showResults(predictions);
    $('timing').textContent = `${file.name}: ${((performance.now() - start) / 1000).toFixed(2)} s (decode, preprocess, forward)`;
    document.body.dataset.result = 'ready';
  } catch (e) {
    $('timing').textContent = e.message;
    $('timing').className = 'error';
  }
}

// One image at a time, in the order they arrive.
const enqueue = (file) => (pending = pending.then(() => classify(file)));

$('model-form').addEventListener('submit', loadModel);
$('file').addEventListener('change', () => [...$('file').files].forEach(enqueue));
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  [...e.dataTransfer.files].filter((f) => f.type.startsWith('image/')).forEach(enqueue);
});
if (params.get('model')) loadModel();
