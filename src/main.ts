import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { parseBackendPreference } from './core/compute/backends';
import { offline } from './ui/common/offline.svelte';
import { toasts } from './ui/common/toasts.svelte';
import { TrainingClient } from './ui/training-client.svelte';

const asked = new URLSearchParams(location.search).get('backend');
const preference = parseBackendPreference(asked);
if (asked !== null && preference === null) {
  toasts.push('warn', `Unknown backend "${asked}" in the address; choosing automatically.`);
}

const client = new TrainingClient(preference ?? 'auto');
client.start();

mount(App, { target: document.getElementById('app')!, props: { client } });

void offline.start();
