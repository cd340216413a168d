import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { parseBackendPreference, parseThreadLimit } from './core/compute/backends';
import { offline } from './ui/common/offline.svelte';
import { toasts } from './ui/common/toasts.svelte';
import { TrainingClient } from './ui/training-client.svelte';

const params = new URLSearchParams(location.search);
const asked = params.get('backend');
const preference = parseBackendPreference(asked);
if (asked !== null && preference === null) {
  toasts.push('warn', `Unknown backend "${asked}" in the address; choosing automatically.`);
}

const client = new TrainingClient(preference ?? 'auto', parseThreadLimit(params.get('threads')));
client.start();

mount(App, { target: document.getElementById('app')!, props: { client } });

void offline.start();
